package gitstore

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/memgit/memgit/internal/gittest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// teammate is one clone of a shared repository, with its memory store.
type teammate struct {
	name string
	dir  string
	s    *Store
	now  func() time.Time
}

// newTeammate makes a user repository whose remote "origin" is url.
func newTeammate(t *testing.T, name, url string, now func() time.Time) *teammate {
	t.Helper()
	dir := newUserRepo(t)
	runGit(t, dir, "remote", "add", "origin", url)
	return &teammate{name: name, dir: dir, s: mustDiscover(t, dir), now: now}
}

func (tm *teammate) save(t *testing.T, files map[string]string) plumbing.Hash {
	t.Helper()
	return mustUpdate(t, tm.s, UpdateOptions{Now: tm.now}, put(tm.name+" saves", files)).Commit
}

// sync is what memgit sync will do: push; when the remote has moved on,
// fetch, merge and push again. It returns every commit it pushed.
func (tm *teammate) sync(t *testing.T, resolve Resolver) []plumbing.Hash {
	t.Helper()
	ctx := context.Background()
	var pushed []plumbing.Hash
	for range 3 {
		tip, err := tm.s.Tip()
		require.NoError(t, err)
		err = tm.s.Push(ctx, "origin", tip)
		if err == nil {
			return append(pushed, tip)
		}
		require.ErrorIs(t, err, ErrNonFastForward)
		theirs, err := tm.s.Fetch(ctx, "origin")
		require.NoError(t, err)
		_, err = tm.s.Merge(ctx, theirs, MergeOptions{
			Message: Message{Subject: "Merge memory from origin", Trailers: []Trailer{{"Memgit-Kind", "merge"}}},
			Resolve: resolve, Now: tm.now,
		})
		require.NoError(t, err)
	}
	t.Fatalf("%s: sync did not settle", tm.name)
	return nil
}

// pull fetches and merges without pushing.
func (tm *teammate) pull(t *testing.T, resolve Resolver) MergeResult {
	t.Helper()
	ctx := context.Background()
	theirs, err := tm.s.Fetch(ctx, "origin")
	require.NoError(t, err)
	res, err := tm.s.Merge(ctx, theirs, MergeOptions{Message: Message{Subject: "Merge memory from origin"}, Resolve: resolve, Create: true, Now: tm.now})
	require.NoError(t, err)
	return res
}

func newBareRemote(t *testing.T, dir string) string {
	t.Helper()
	runGit(t, ".", "init", "-q", "--bare", dir)
	return dir
}

// shareRounds has two teammates save different documents and sync, rounds
// times, one of the rounds changing the same document on both sides; it
// checks that nothing was lost anywhere.
func shareRounds(t *testing.T, url, remoteDir string, rounds int) {
	now := clock()
	a := newTeammate(t, "alice", url, now)
	b := newTeammate(t, "bob", url, now)
	ctx := context.Background()

	_, err := a.s.Fetch(ctx, "origin")
	require.ErrorIs(t, err, ErrNoBranch, "a new remote has no memory branch")
	mustUpdate(t, a.s, UpdateOptions{Create: true, Now: now}, put("alice starts", map[string]string{"rules/dev-rules.yaml": "- test first\n"}))
	pushed := a.sync(t, nil)
	assert.Equal(t, MergeResult{Commit: pushed[0], Created: true, FastForward: true}, b.pull(t, nil), "bob starts from alice's memory")

	var calls []resolveCall
	resolve := recorder(&calls)
	files := map[string]string{}
	for i := range rounds {
		fa := map[string]string{fmt.Sprintf("sessions/2026/11/a%d.yaml", i): "alice\n"}
		fb := map[string]string{fmt.Sprintf("sessions/2026/11/b%d.yaml", i): "bob\n"}
		if i == 1 {
			fa["rules/dev-rules.yaml"] = "- test first\n- alice's rule\n"
			fb["rules/dev-rules.yaml"] = "- test first\n- bob's rule\n"
		}
		a.save(t, fa)
		b.save(t, fb)
		pushed = append(pushed, a.sync(t, resolve)...)
		pushed = append(pushed, b.sync(t, resolve)...)
		for p, c := range fa {
			files[p] = c
		}
		for p, c := range fb {
			files[p] = c
		}
	}
	files["rules/dev-rules.yaml"] = "- test first\n- alice's rule\n|- test first\n- bob's rule\n"
	assert.Equal(t, []resolveCall{{
		Path: "rules/dev-rules.yaml", Base: "- test first\n",
		Ours: "- test first\n- bob's rule\n", Theirs: "- test first\n- alice's rule\n",
	}}, calls, "only the document both changed reaches the resolver, once, with its three versions")

	// Alice catches up by fast-forward: no merge commit of hers.
	ff := a.pull(t, resolve)
	assert.True(t, ff.FastForward)
	require.NoError(t, a.s.Push(ctx, "origin", ff.Commit), "pushing what the remote has is fine")

	remoteTip := revParse(t, remoteDir, DefaultRef)
	for _, tm := range []*teammate{a, b} {
		tip, err := tm.s.Tip()
		require.NoError(t, err)
		assert.Equal(t, remoteTip, tip, "%s ends at the remote's tip", tm.name)
		assert.Equal(t, remoteTip, revParse(t, tm.dir, "refs/remotes/origin/memgit"), "%s's tracking ref", tm.name)
		requireFsck(t, tm.dir)
	}
	requireFsck(t, remoteDir)
	for _, c := range pushed {
		assert.NoError(t, gitCommand(remoteDir, "merge-base", "--is-ancestor", c.String(), remoteTip.String()).Run(),
			"pushed commit %s is in the remote's history", c)
	}
	want := map[string]string{}
	for p, c := range files {
		want[p] = strings.TrimRight(c, "\n")
	}
	assert.Equal(t, want, treeFiles(t, remoteDir, revParse(t, remoteDir, "memgit^{tree}")))
	// Each round bob merges alice's save, and from the second round on alice
	// first merges bob's merge of the round before.
	assert.Equal(t, fmt.Sprint(2*rounds-1), runGit(t, remoteDir, "rev-list", "--merges", "--count", "memgit"))
	graph := runGit(t, remoteDir, "log", "--graph", "--oneline", "memgit")
	assert.Contains(t, graph, "Merge memory from origin")
	assert.Contains(t, graph, "|\\", "the graph shows the merges")
	assert.Equal(t, "1", runGit(t, remoteDir, "rev-list", "--max-parents=0", "--count", "memgit"), "one root")
}

func TestShareThroughBareRepository(t *testing.T) {
	t.Parallel()
	remote := newBareRemote(t, filepath.Join(t.TempDir(), "team.git"))
	shareRounds(t, remote, remote, 3)
}

// transportCase is a way Fetch and Push reach a remote: the git binary, over a
// path or smart HTTP, or go-git, the fallback when git is not installed,
// over smart HTTP (go-git's file transport would need git).
type transportCase struct {
	name  string
	http  bool
	goGit bool
}

var transports = []transportCase{
	{name: "git"},
	{name: "git-http", http: true},
	{name: "go-git-http", http: true, goGit: true},
}

// use makes Fetch and Push take tr's client until the test ends.
func (tr transportCase) use(t *testing.T) {
	if tr.goGit {
		withoutGit(t)
	}
}

// start takes tr for the rest of the test and returns a directory for bare
// remotes and the URL of a repository in it, as teammates write it. Over
// HTTP it checks, when the test ends, that only tr's client talked to the
// server.
func (tr transportCase) start(t *testing.T) (base string, urlOf func(repo string) string) {
	t.Helper()
	tr.use(t)
	base = t.TempDir()
	if !tr.http {
		return base, func(repo string) string { return filepath.Join(base, repo) }
	}
	srv := gittest.NewHTTPServer(t, base)
	t.Cleanup(func() {
		client := "git/"
		if tr.goGit {
			client = "go-git/"
		}
		for _, agent := range srv.UserAgents() {
			assert.True(t, strings.HasPrefix(agent, client), "%s: a request from %q", tr.name, agent)
		}
	})
	return base, func(repo string) string { return srv.URL(gittest.HTTPUser, gittest.HTTPPassword, repo) }
}

// withoutGit makes Fetch and Push take the go-git fallback until the test
// ends, as on a machine without git. lookGit is shared by all tests:
// t.Setenv makes sure this test is not parallel.
func withoutGit(t *testing.T) {
	t.Setenv("MEMGIT_TEST_WITHOUT_GIT", "1")
	saved := lookGit
	lookGit = func() (string, error) { return "", &exec.Error{Name: "git", Err: exec.ErrNotFound} }
	t.Cleanup(func() { lookGit = saved })
}

func TestPushNonFastForward(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			ctx := context.Background()
			base, urlOf := tr.start(t)
			remote := newBareRemote(t, filepath.Join(base, "team.git"))
			now := clock()
			a := newTeammate(t, "alice", urlOf("team.git"), now)
			b := newTeammate(t, "bob", urlOf("team.git"), now)
			mustUpdate(t, a.s, UpdateOptions{Create: true, Now: now}, put("start", map[string]string{"a": "1"}))
			a.sync(t, nil)
			b.pull(t, nil)
			first := revParse(t, remote, DefaultRef)

			a.save(t, map[string]string{"a": "2"})
			pushedA := a.sync(t, nil)
			require.Len(t, pushedA, 1)
			diverged := b.save(t, map[string]string{"b": "1"})
			for name, c := range map[string]plumbing.Hash{"diverged": diverged, "behind": first} {
				err := b.s.Push(ctx, "origin", c)
				require.ErrorIs(t, err, ErrNonFastForward, name)
				assert.Equal(t, pushedA[0], revParse(t, remote, DefaultRef), "%s: the remote is unchanged", name)
			}

			// A fresh clone that never fetched is rejected the same way (git
			// says "fetch first" rather than "non-fast-forward").
			c := newTeammate(t, "carol", urlOf("team.git"), now)
			mustUpdate(t, c.s, UpdateOptions{Create: true, Now: now}, put("carol", map[string]string{"c": "1"}))
			tip, err := c.s.Tip()
			require.NoError(t, err)
			require.ErrorIs(t, c.s.Push(ctx, "origin", tip), ErrNonFastForward)
			assert.Equal(t, pushedA[0], revParse(t, remote, DefaultRef))
			requireFsck(t, remote)
		})
	}
}

func TestRemoteErrors(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			ctx := context.Background()
			base, urlOf := tr.start(t)
			s, dir := newStore(t)
			tip := mustUpdate(t, s, UpdateOptions{Create: true}, put("x", map[string]string{"x": "x"})).Commit
			canary := filepath.Join(t.TempDir(), "canary")
			for _, name := range []string{"", "-h", "--upload-pack=touch " + canary, "a/b", "a b", "..", "a..b", "x:y", "a\nb"} {
				_, err := s.Fetch(ctx, name)
				require.ErrorIs(t, err, ErrBadRef, "fetch %q", name)
				require.ErrorIs(t, s.Push(ctx, name, tip), ErrBadRef, "push %q", name)
			}
			assert.NoFileExists(t, canary)

			_, err := s.Fetch(ctx, "nowhere")
			require.Error(t, err)
			assert.NotErrorIs(t, err, ErrNoBranch)
			assert.Contains(t, err.Error(), "nowhere", "the message says what is wrong")
			err = s.Push(ctx, "nowhere", tip)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "nowhere")

			// The remote's own message is in the error, and a missing
			// repository is not mistaken for a missing branch.
			runGit(t, dir, "remote", "add", "broken", urlOf("missing.git"))
			_, err = s.Fetch(ctx, "broken")
			require.Error(t, err)
			assert.NotErrorIs(t, err, ErrNoBranch)
			assert.Contains(t, err.Error(), "missing.git")
			err = s.Push(ctx, "broken", tip)
			require.Error(t, err)
			assert.NotErrorIs(t, err, ErrNonFastForward)
			assert.Contains(t, err.Error(), "missing.git")

			// A remote without a memory branch, empty or with other
			// branches only: ErrNoBranch, and the tracking ref stays.
			empty := newBareRemote(t, filepath.Join(base, "empty.git"))
			runGit(t, dir, "remote", "add", "origin", urlOf("empty.git"))
			runGit(t, dir, "update-ref", "refs/remotes/origin/memgit", tip.String())
			_, err = s.Fetch(ctx, "origin")
			require.ErrorIs(t, err, ErrNoBranch, "an empty remote")
			runGit(t, dir, "push", "-q", empty, tip.String()+":refs/heads/main")
			_, err = s.Fetch(ctx, "origin")
			require.ErrorIs(t, err, ErrNoBranch, "a remote with another branch")
			assert.Equal(t, tip, revParse(t, dir, "refs/remotes/origin/memgit"), "the tracking ref is left as it was")

			// A commit the store lacks is an error, not a push of nothing.
			err = s.Push(ctx, "origin", plumbing.NewHash(strings.Repeat("ab", 20)))
			require.Error(t, err)
			assert.NotErrorIs(t, err, ErrNonFastForward)
			assert.False(t, refExists(empty, DefaultRef))

			// A store on another ref than a branch cannot be shared.
			notes, err := Open(ctx, dir, Options{Ref: "refs/notes/memgit"})
			require.NoError(t, err)
			_, err = notes.Fetch(ctx, "origin")
			require.ErrorIs(t, err, ErrBadRef)
		})
	}
}

// TestGoGitRefusesLocalRemotes: without git, a remote that is a path says
// so, rather than failing to run git-upload-pack.
func TestGoGitRefusesLocalRemotes(t *testing.T) {
	withoutGit(t)
	ctx := context.Background()
	s, dir := newStore(t)
	tip := mustUpdate(t, s, UpdateOptions{Create: true}, put("x", map[string]string{"x": "x"})).Commit
	remote := newBareRemote(t, filepath.Join(t.TempDir(), "team.git"))
	runGit(t, dir, "remote", "add", "path", remote)
	runGit(t, dir, "remote", "add", "file", "file://"+filepath.ToSlash(remote))
	for _, name := range []string{"path", "file"} {
		_, err := s.Fetch(ctx, name)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "local repository", name)
		err = s.Push(ctx, name, tip)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "local repository", name)
	}
	assert.False(t, refExists(remote, DefaultRef))
}

// TestGitHasNoTerminal: git runs in a session of its own, without a
// controlling terminal, so that nothing it starts (ssh) can open /dev/tty
// and wait for a password.
func TestGitHasNoTerminal(t *testing.T) {
	t.Parallel()
	self, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	s, _ := newStore(t)
	out, err := s.runGit(context.Background(), "-c", "alias.stat=!cat /proc/self/stat", "stat")
	require.NoError(t, err)
	// "pid (comm) state ppid pgrp session tty_nr ...": comm may hold spaces.
	sessionAndTTY := func(stat []byte) (string, string) {
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		return f[3], f[4]
	}
	ours, _ := sessionAndTTY(self)
	session, tty := sessionAndTTY(out)
	assert.NotEqual(t, ours, session, "git has a session of its own")
	assert.Equal(t, "0", tty, "no controlling terminal")
}

// TestFetchTimesOut talks to a server that accepts connections and never
// answers: the context's deadline ends git, and the error says so.
func TestFetchTimesOut(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	s, dir := newStore(t)
	runGit(t, dir, "remote", "add", "silent", "git://"+ln.Addr().String()+"/team.git")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.Fetch(ctx, "silent")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 3*time.Second)
}

func TestShareThroughGitDaemon(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	remote := newBareRemote(t, filepath.Join(base, "team.git"))
	addr := gittest.Daemon(t, base)
	shareRounds(t, "git://"+addr+"/team.git", remote, 2)
}

// TestFetchSeesNewPacks: a fetch big enough to arrive as a pack (over
// fetch.unpackLimit objects) is readable at once by the same Store.
func TestFetchSeesNewPacks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	remote := newBareRemote(t, filepath.Join(t.TempDir(), "team.git"))
	now := clock()
	a := newTeammate(t, "alice", remote, now)
	b := newTeammate(t, "bob", remote, now)
	mustUpdate(t, a.s, UpdateOptions{Create: true, Now: now}, put("start", map[string]string{"a": "1"}))
	a.sync(t, nil)
	b.pull(t, nil)
	// Read b's store once, so that its readers have listed its packs.
	_, err := b.s.Snapshot(ctx, "")
	require.NoError(t, err)
	many := map[string]string{}
	for i := range 150 {
		many[fmt.Sprintf("sessions/2026/11/s%03d.yaml", i)] = fmt.Sprint(i)
	}
	a.save(t, many)
	a.sync(t, nil)
	theirs, err := b.s.Fetch(ctx, "origin")
	require.NoError(t, err)
	packs, err := filepath.Glob(filepath.Join(b.dir, ".git", "objects", "pack", "*.pack"))
	require.NoError(t, err)
	require.NotEmpty(t, packs, "the fetch arrived as a pack")
	res, err := b.s.Merge(ctx, theirs, MergeOptions{})
	require.NoError(t, err)
	assert.True(t, res.FastForward)
	snap, err := b.s.Snapshot(ctx, "")
	require.NoError(t, err)
	got, err := snap.Read("sessions/2026/11/s149.yaml")
	require.NoError(t, err)
	assert.Equal(t, "149", string(got))
	_, err = b.s.Resolve(ctx, "memgit~1")
	require.NoError(t, err, "go-git's own reads see the pack too")
}

// TestGitEnvironment: variables that would point git elsewhere are dropped,
// and prompts are off whatever the user set.
func TestGitEnvironment(t *testing.T) {
	t.Setenv("GIT_DIR", "/elsewhere")
	t.Setenv("GIT_OBJECT_DIRECTORY", "/elsewhere/objects")
	t.Setenv("GIT_TERMINAL_PROMPT", "1")
	t.Setenv("HTTPS_PROXY", "http://proxy.example:3128")
	env := strings.Join(gitEnv(), "\n") + "\n"
	assert.NotContains(t, env, "GIT_DIR=")
	assert.NotContains(t, env, "GIT_OBJECT_DIRECTORY=")
	assert.Contains(t, env, "GIT_TERMINAL_PROMPT=0\n")
	assert.NotContains(t, env, "GIT_TERMINAL_PROMPT=1")
	assert.Contains(t, env, "HTTPS_PROXY=http://proxy.example:3128\n", "the user's proxy settings stay")
}
