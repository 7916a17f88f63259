package gitstore

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memgit/memgit/internal/gittest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// silentHTTPServer accepts requests and never answers them, until the client
// gives up or the test ends; it returns its URL.
func silentHTTPServer(t *testing.T) string {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(done) }) // first: Close waits for the handlers
	return srv.URL
}

// httpTransports are the transports that talk smart HTTP.
func httpTransports() []transportCase {
	var out []transportCase
	for _, tr := range transports {
		if tr.http {
			out = append(out, tr)
		}
	}
	return out
}

func TestShareThroughHTTP(t *testing.T) {
	for _, tr := range httpTransports() {
		t.Run(tr.name, func(t *testing.T) {
			base, urlOf := tr.start(t)
			remote := newBareRemote(t, filepath.Join(base, "team.git"))
			shareRounds(t, urlOf("team.git"), remote, 3)
		})
	}
}

// TestHTTPWrongCredentials: a remote that refuses the credentials, or wants
// some nobody gave, fails at once with an error that says so; nothing
// prompts, nothing changes.
func TestHTTPWrongCredentials(t *testing.T) {
	// memgit leaves askpass programs to the user; a developer's (VS Code
	// sets GIT_ASKPASS) would be asked here. git treats empty as unset.
	t.Setenv("GIT_ASKPASS", "")
	t.Setenv("SSH_ASKPASS", "")
	for _, tr := range httpTransports() {
		t.Run(tr.name, func(t *testing.T) {
			base, urlOf := tr.start(t)
			remote := newBareRemote(t, filepath.Join(base, "team.git"))
			now := clock()
			a := newTeammate(t, "alice", urlOf("team.git"), now)
			mustUpdate(t, a.s, UpdateOptions{Create: true, Now: now}, put("start", map[string]string{"a": "1"}))
			pushed := a.sync(t, nil)

			good := urlOf("team.git")
			for name, url := range map[string]string{
				"wrong password": strings.Replace(good, ":"+gittest.HTTPPassword+"@", ":wrong-pw@", 1),
				"no credentials": strings.Replace(good, gittest.HTTPUser+":"+gittest.HTTPPassword+"@", "", 1),
			} {
				m := newTeammate(t, "mallory", url, now)
				mustUpdate(t, m.s, UpdateOptions{Create: true, Now: now}, put("mine", map[string]string{"m": "1"}))
				tip, err := m.s.Tip()
				require.NoError(t, err)
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				for op, call := range map[string]func() error{
					"fetch": func() error { _, err := m.s.Fetch(ctx, "origin"); return err },
					"push":  func() error { return m.s.Push(ctx, "origin", tip) },
				} {
					start := time.Now()
					err := call()
					elapsed := time.Since(start)
					require.Error(t, err, "%s: %s", name, op)
					assert.Less(t, elapsed, 5*time.Second, "%s: %s fails at once: nothing waits for a password", name, op)
					assert.NotErrorIs(t, err, context.DeadlineExceeded)
					assert.NotErrorIs(t, err, ErrNoBranch)
					assert.NotErrorIs(t, err, ErrNonFastForward)
					if name == "wrong password" {
						assert.Contains(t, strings.ToLower(err.Error()), "authentication failed", "%s: %s", name, op)
					} else {
						assert.Regexp(t, `(?i)authentication failed|could not read username`, err.Error(), "%s: %s", name, op)
					}
					assert.NotContains(t, err.Error(), "wrong-pw", "%s: %s: the password is not in the message", name, op)
					t.Logf("%s: %s: %v (%s)", name, op, err, elapsed.Round(time.Millisecond))
				}
				assert.False(t, refExists(m.dir, "refs/remotes/origin/memgit"), name)
			}
			assert.Equal(t, pushed[0], revParse(t, remote, DefaultRef), "the remote is unchanged")
		})
	}
}

// TestHTTPTimesOut: a server that never answers is given up on when the
// context ends, git's helpers (git-remote-http) included.
func TestHTTPTimesOut(t *testing.T) {
	for _, tr := range httpTransports() {
		t.Run(tr.name, func(t *testing.T) {
			tr.use(t)
			s, dir := newStore(t)
			tip := mustUpdate(t, s, UpdateOptions{Create: true}, put("x", map[string]string{"x": "x"})).Commit
			runGit(t, dir, "remote", "add", "silent", silentHTTPServer(t)+"/team.git")
			for op, call := range map[string]func(context.Context) error{
				"fetch": func(ctx context.Context) error { _, err := s.Fetch(ctx, "silent"); return err },
				"push":  func(ctx context.Context) error { return s.Push(ctx, "silent", tip) },
			} {
				ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
				start := time.Now()
				err := call(ctx)
				cancel()
				require.ErrorIs(t, err, context.DeadlineExceeded, op)
				assert.Less(t, time.Since(start), 3*time.Second, op)
			}
		})
	}
}
