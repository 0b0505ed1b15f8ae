// Package glob matches slash-separated names against patterns where "**"
// crosses directories: the ignore list's resource and path globs and scan
// iac's --exclude.
package glob

import (
	"fmt"
	"path"
	"strings"
)

// Match matches name against pattern: path.Match for each slash-separated
// segment, where a "**" segment matches any number of segments. A pattern
// without a slash is matched against the whole name and against its last
// segment, so "*.yaml" matches "infra/cdn.yaml".
func Match(pattern, name string) bool {
	name = strings.TrimPrefix(path.Clean(strings.ReplaceAll(name, "\\", "/")), "./")
	pattern = strings.TrimPrefix(pattern, "./")
	if !strings.Contains(pattern, "/") {
		if ok, _ := path.Match(pattern, name); ok {
			return true
		}
		ok, _ := path.Match(pattern, path.Base(name))
		return ok
	}
	return segments(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func segments(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if segments(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// Validate reports a pattern Match cannot use (path.ErrBadPattern: an
// unclosed "[", a trailing "\"), which would otherwise match nothing without
// a word.
func Validate(pattern string) error {
	for _, seg := range strings.Split(strings.TrimPrefix(pattern, "./"), "/") {
		if seg == "**" {
			continue
		}
		if _, err := path.Match(seg, ""); err != nil {
			return fmt.Errorf("bad glob %q: %w", pattern, err)
		}
	}
	return nil
}
