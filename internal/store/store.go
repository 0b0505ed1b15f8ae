// Package store keeps what `cloudassure serve` remembers: the current state of
// every finding (target, account, rule, resource), an event for every
// transition, one totals row per account scan, and the alert outbox.
//
// One schema (embedded, versioned SQL files under migrations/) serves SQLite
// (modernc.org/sqlite, WAL, busy timeout) and PostgreSQL (jackc/pgx/v5).
//
// The API, for the service and the dashboard:
//
//	st, err := store.Open(ctx, "sqlite:/path/db.sqlite" | "postgres://...")
//	st.Migrate(ctx)                                  // apply pending migrations
//	st.RecordScan(ctx, store.ScanRecord{...}, route) // one scan, one transaction
//	st.ListTargets / ListAccounts / ListScans / ListFindings / FindingHistory /
//	    ListEvents / ListDeliveries / FailingCounts  // reads, with filters and keyset paging
//	st.ClaimBatch / FinishBatch                      // the outbox
//	st.Prune(ctx, before)                            // retention
//
// Times are UTC; list calls take a Limit (default 100, at most 1000) and a
// Cursor from the previous Page's Next.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // the "sqlite" database/sql driver
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Dialect names the database behind a Store.
type Dialect string

// The dialects a Store supports.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is the service's database.
type Store struct {
	db      *sql.DB // writes, and reads inside them (SQLite: one connection)
	rdb     *sql.DB // reads outside a transaction (PostgreSQL: db)
	dialect Dialect
	dsn     string
}

// Open connects to the store named by dsn: "sqlite:PATH" (the file is created,
// with its directory) or a "postgres://" / "postgresql://" URL. It does not
// migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*Store, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		path = strings.TrimPrefix(path, "//")
		return openSQLiteFile(ctx, path, sqliteBusyTimeout)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("store: postgres: %w", err)
		}
		db.SetMaxOpenConns(8)
		s := &Store{db: db, rdb: db, dialect: Postgres, dsn: dsn}
		if err := s.Ping(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("store: postgres %s: %w", Redact(dsn), err)
		}
		return s, nil
	}
	return nil, fmt.Errorf("store: %q: want sqlite:PATH or postgres://...", Redact(dsn))
}

// sqliteBusyTimeout is how long a SQLite statement waits for a lock another
// connection holds before it fails with SQLITE_BUSY ("database is locked").
const sqliteBusyTimeout = 10 * time.Second

// openSQLiteFile opens the SQLite store at path with the given busy timeout.
func openSQLiteFile(ctx context.Context, path string, busy time.Duration) (*Store, error) {
	if path == "" {
		return nil, errors.New("store: sqlite: empty path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
		}
	}
	pragmas := func(extra ...string) string {
		q := url.Values{}
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
		for _, p := range extra {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		return "file:" + path + "?" + q.Encode()
	}
	// SQLite has one write lock per file, and a writer waiting for it polls
	// in the busy handler, which is no queue: with several writing
	// connections one can wait past the busy timeout and fail with
	// SQLITE_BUSY. So the writes have a pool of one connection (callers
	// queue in database/sql, bounded by their context) and the reads a pool
	// of their own (WAL: they never wait for the writer).
	db, err := sql.Open("sqlite", pragmas("journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(ON)"))
	if err != nil {
		return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	s := &Store{db: db, rdb: db, dialect: SQLite, dsn: "sqlite:" + path}
	// The writer connection first: it turns WAL on, which the readers need.
	if err := s.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	rdb, err := sql.Open("sqlite", pragmas("query_only(1)"))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	rdb.SetMaxOpenConns(4)
	rdb.SetMaxIdleConns(4)
	s.rdb = rdb
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: sqlite %s: %w", path, err)
	}
	return s, nil
}

// Redact returns dsn without its password, for messages.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Dialect reports which database the store uses.
func (s *Store) Dialect() Dialect { return s.dialect }

// DSN is the connection string the store was opened with (it may hold a password: do not print it).
func (s *Store) DSN() string { return s.dsn }

// DB is the connection pool for writes, and for the reads of a transaction
// that writes. On SQLite it holds one connection, so writers queue for it:
// a transaction on it must not wait for another connection of it.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the connection pools.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.rdb != s.db {
		err = errors.Join(err, s.rdb.Close())
	}
	return err
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.db.PingContext(ctx); err != nil {
		return err
	}
	return s.rdb.PingContext(ctx)
}

// migration is one embedded schema step.
type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("store: migration %s: name must start with a number and _", e.Name())
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// LatestVersion is the schema version this build expects.
func LatestVersion() int {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

func (s *Store) render(q string) string {
	id := "INTEGER PRIMARY KEY AUTOINCREMENT"
	if s.dialect == Postgres {
		id = "BIGSERIAL PRIMARY KEY"
	}
	return strings.ReplaceAll(q, "{{ID}}", id)
}

// Migrate applies the migrations the database has not seen, each in its own
// transaction, and records them in schema_migrations. Several processes may
// call it at once: on PostgreSQL an advisory lock serializes them.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()
	if s.dialect == Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7424242)"); err != nil {
			return fmt.Errorf("store: migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(7424242)") //nolint:errcheck
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	have := map[int]bool{}
	rows, err := conn.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("store: migrate: %w", err)
		}
		have[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	for _, m := range ms {
		if have[m.version] {
			continue
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: migration %s: %w", m.name, err)
		}
		for _, stmt := range splitSQL(s.render(m.sql)) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				tx.Rollback()
				return fmt.Errorf("store: migration %s: %w", m.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
			m.version, m.name, time.Now().UnixMilli()); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migration %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: migration %s: %w", m.name, err)
		}
	}
	return nil
}

// SchemaVersion is the newest migration the database has applied (0 for none).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.rdb.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return int(v.Int64), nil
}

// ErrSchemaNotCurrent is wrapped by Ready's error when the database answers
// but its schema is not the one this build migrates to.
var ErrSchemaNotCurrent = errors.New("schema not current")

// Ready reports an error unless the database answers and its schema is current.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.Ping(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if want := LatestVersion(); v != want {
		return fmt.Errorf("store: schema version %d, want %d (run migrations): %w", v, want, ErrSchemaNotCurrent)
	}
	return nil
}

// splitSQL cuts a migration into statements at semicolons that end a line,
// dropping comment lines.
func splitSQL(src string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, strings.TrimSpace(cur.String()))
	}
	return out
}

// rebind turns ? placeholders into $1, $2, ... for PostgreSQL.
func (s *Store) rebind(q string) string {
	if s.dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
