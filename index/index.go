// Package index keeps a cache of what listing sessions needs from each
// session document — id, title, job, status, times, counts — keyed by the
// git blob hash of the document. A key names exact content, so an entry is
// never stale: a document changed by a merge, a hand edit or another tool
// has a new hash and is simply a miss. The cache is never needed for
// correctness; losing or corrupting it only costs time.
package index

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Row is what `memgit log` shows of one session document.
type Row struct {
	ID              string    `yaml:"id"`
	Title           string    `yaml:"title"`
	Agent           string    `yaml:"agent"`
	Job             string    `yaml:"job"`
	Status          string    `yaml:"status"`
	CreatedAt       time.Time `yaml:"created_at"`
	UpdatedAt       time.Time `yaml:"updated_at"`
	DurationMinutes int       `yaml:"duration_minutes"`
	Exchanges       int       `yaml:"exchanges"`
	Path            string    `yaml:"path"`
}

// Cache is the row cache of one repository, in <git dir>/memgit/rows.
type Cache struct {
	path  string
	rows  map[string]Row // by blob hash
	added []string       // encoded lines not yet written
}

const fields = 9 // hash + the Row fields stored (Path is not: it is known from the tree)

// Open loads the cache of the repository whose git directory is gitDir. A
// missing or unreadable cache is an empty one.
func Open(gitDir string) *Cache {
	c := &Cache{path: filepath.Join(gitDir, "memgit", "rows"), rows: map[string]Row{}}
	f, err := os.Open(c.path)
	if err != nil {
		return c
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := r.ReadString('\n')
		if strings.HasSuffix(line, "\n") {
			if hash, row, ok := decode(line[:len(line)-1]); ok {
				c.rows[hash] = row
			}
		}
		if err != nil {
			return c
		}
	}
}

// Get returns the row for the document with this blob hash.
func (c *Cache) Get(blob string) (Row, bool) {
	r, ok := c.rows[blob]
	return r, ok
}

// Put remembers a row; Flush writes what was put.
func (c *Cache) Put(blob string, r Row) {
	if _, ok := c.rows[blob]; ok {
		return
	}
	c.rows[blob] = r
	c.added = append(c.added, encode(blob, r))
}

// Flush appends the rows put since the last flush. Appends of whole lines
// from concurrent processes interleave safely; a torn line is skipped on
// load. Errors are returned but callers may ignore them: it is a cache.
func (c *Cache) Flush() error {
	if len(c.added) == 0 {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o777); err != nil {
		return err
	}
	f, err := os.OpenFile(c.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
	if err != nil {
		return err
	}
	_, err = f.WriteString(strings.Join(c.added, ""))
	c.added = nil
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func encode(blob string, r Row) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return ' '
			}
			return r
		}, s)
	}
	return strings.Join([]string{
		blob, clean(r.ID), clean(r.Title), clean(r.Agent), clean(r.Job), clean(r.Status),
		unixNano(r.CreatedAt) + "," + unixNano(r.UpdatedAt),
		strconv.Itoa(r.DurationMinutes), strconv.Itoa(r.Exchanges),
	}, "\t") + "\n"
}

func decode(line string) (string, Row, bool) {
	p := strings.Split(line, "\t")
	if len(p) != fields || !isHex40(p[0]) {
		return "", Row{}, false
	}
	cs, us, ok := strings.Cut(p[6], ",")
	created, err1 := parseUnixNano(cs)
	updated, err2 := parseUnixNano(us)
	dur, err3 := strconv.Atoi(p[7])
	ex, err4 := strconv.Atoi(p[8])
	if !ok || err1 != nil || err2 != nil || err3 != nil || err4 != nil {
		return "", Row{}, false
	}
	return p[0], Row{ID: p[1], Title: p[2], Agent: p[3], Job: p[4], Status: p[5],
		CreatedAt: created, UpdatedAt: updated, DurationMinutes: dur, Exchanges: ex}, true
}

// unixNano encodes a time; the zero time (outside int64 nanoseconds) is "".
func unixNano(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixNano(), 10)
}

func parseUnixNano(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return time.Unix(0, n).UTC(), err
}

func isHex40(s string) bool {
	if len(s) != 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// Append adds one row to the cache of the repository at gitDir without
// loading it: what a save does for the document it just wrote.
func Append(gitDir, blob string, r Row) error {
	c := &Cache{path: filepath.Join(gitDir, "memgit", "rows"), rows: map[string]Row{}}
	c.Put(blob, r)
	return c.Flush()
}

// Drop deletes the cache of the repository at gitDir: after history is
// rewritten, rows of what was removed must not outlive it. The next read
// rebuilds what it needs.
func Drop(gitDir string) error {
	err := os.Remove(filepath.Join(gitDir, "memgit", "rows"))
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("drop row cache: %w", err)
	}
	return nil
}
