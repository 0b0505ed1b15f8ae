package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

// PostgresURLEnv names the environment variable with the URL of a PostgreSQL
// database the tests may create schemas in (.ci/run sets it).
const PostgresURLEnv = "CLOUDASSURE_TEST_POSTGRES_URL"

// eachStore runs fn against a fresh, migrated SQLite store and a fresh,
// migrated PostgreSQL store (a schema of its own). Without PostgreSQL the
// PostgreSQL half fails in CI and is skipped elsewhere.
func eachStore(t *testing.T, fn func(t *testing.T, st *Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, openSQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, openPostgres(t))
	})
}

func openSQLite(t testing.TB) *Store {
	t.Helper()
	ctx := context.Background()
	st, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "db", "cloudassure.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// PostgresTestURL returns a URL to a fresh schema of the test database, dropped
// when the test ends.
func openPostgres(t testing.TB) *Store {
	t.Helper()
	base := os.Getenv(PostgresURLEnv)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: .ci/run must start PostgreSQL and export it", PostgresURLEnv)
		}
		t.Skipf("%s is not set (PostgreSQL tests run in CI)", PostgresURLEnv)
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var b [6]byte
	rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("postgres at %s: %v", Redact(base), err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err == nil {
			a.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			a.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	st, err := Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}
