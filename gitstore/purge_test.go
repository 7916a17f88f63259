package gitstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const secretPath = "sessions/2026/11/x.yaml"

// withTrailers is put with a body and trailers, so that a rewrite that
// re-encoded messages would show.
func withTrailers(subject string, files map[string]string) func(*Tx) error {
	return func(tx *Tx) error {
		if err := put(subject, files)(tx); err != nil {
			return err
		}
		tx.Message.Body = "Body of " + subject + ".\n\nSecond paragraph."
		tx.Message.Trailers = []Trailer{{"Memgit-Kind", "session"}, {"Memgit-Subject", subject}}
		return nil
	}
}

// messagePart is a commit as git stores it without its tree and parent
// lines: what Purge must keep byte for byte.
func messagePart(t *testing.T, dir string, h plumbing.Hash) string {
	t.Helper()
	raw := string(gitOut(t, dir, "cat-file", "commit", h.String()))
	lines := strings.SplitAfter(raw, "\n")
	i := 1
	for strings.HasPrefix(lines[i], "parent ") {
		i++
	}
	return strings.Join(lines[i:], "")
}

func blobHashes(contents ...string) []plumbing.Hash {
	var out []plumbing.Hash
	for _, c := range contents {
		out = append(out, plumbing.ComputeHash(plumbing.BlobObject, []byte(c)))
	}
	slices.SortFunc(out, func(a, b plumbing.Hash) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// requireNowhere checks that no commit on the branch has path.
func requireNowhere(t *testing.T, dir, path string) {
	t.Helper()
	for _, c := range strings.Fields(runGit(t, dir, "rev-list", DefaultRef)) {
		files := strings.Split(runGit(t, dir, "ls-tree", "-r", "--name-only", c), "\n")
		require.NotContains(t, files, path, "commit %s", c)
	}
}

// A path added, changed, carried along and merged in from a teammate's
// branch leaves no trace in any commit, and everything else about the
// history stays as it was.
func TestPurgeHistoryWithMerge(t *testing.T) {
	ctx := context.Background()
	dir := newUserRepo(t)
	user := captureUserState(t, dir)
	s := mustDiscover(t, dir)
	now := clock()
	up := func(s *Store, subject string, files map[string]string) plumbing.Hash {
		return mustUpdate(t, s, UpdateOptions{Create: true, Now: now}, withTrailers(subject, files)).Commit
	}
	c1 := up(s, "init", map[string]string{"memgit.yaml": "version: 1\n", "other.yaml": "o1"})
	c2 := up(s, "other 2", map[string]string{"other.yaml": "o2"})
	up(s, "add secret", map[string]string{secretPath: "s1"})
	up(s, "other and secret", map[string]string{"other.yaml": "o3", secretPath: "s2"})
	up(s, "change secret", map[string]string{secretPath: "s3"})
	c6 := up(s, "other 4", map[string]string{"other.yaml": "o4"})
	// A teammate's branch from c6, merged back with the git binary.
	sideStore, err := Discover(ctx, dir, Options{Ref: "memgit-side"})
	require.NoError(t, err)
	mustUpdate(t, sideStore, UpdateOptions{Create: true, From: c6, Now: now}, withTrailers("side secret", map[string]string{secretPath: "s4"}))
	s8 := up(sideStore, "side note", map[string]string{"notes/side.yaml": "n"})
	c7 := up(s, "other 5", map[string]string{"other.yaml": "o5"})
	tree := strings.Split(runGit(t, dir, "merge-tree", "--write-tree", c7.String(), s8.String()), "\n")[0]
	merge := runGit(t, dir, "commit-tree", tree, "-p", c7.String(), "-p", s8.String(),
		"-m", "merge side", "-m", "Memgit-Kind: merge")
	runGit(t, dir, "update-ref", DefaultRef, merge, c7.String())
	runGit(t, dir, "update-ref", "-d", "refs/heads/memgit-side")
	up(s, "secret again", map[string]string{secretPath: "s5"})
	up(s, "delete secret", map[string]string{secretPath: deleted})
	up(s, "final other", map[string]string{"other.yaml": "o6"})

	before := map[string]string{} // subject -> message part
	for _, h := range strings.Fields(runGit(t, dir, "rev-list", DefaultRef)) {
		before[runGit(t, dir, "log", "-1", "--format=%s", h)] = messagePart(t, dir, plumbing.NewHash(h))
	}
	require.Len(t, before, 13)
	otherLog := runGit(t, dir, "log", "--format=%s", DefaultRef, "--", "other.yaml")
	old := revParse(t, dir, DefaultRef)

	res, err := s.Purge(ctx, PurgeOptions{Paths: []string{secretPath}})
	require.NoError(t, err)

	tip := revParse(t, dir, DefaultRef)
	assert.Equal(t, PurgeResult{
		Old: old, New: tip,
		Rewritten: 5, // other and secret, other 4, side note, other 5, the merge
		Dropped:   5, // add secret, change secret, side secret, secret again, delete secret
		Total:     13,
		Blobs:     blobHashes("s1", "s2", "s3", "s4", "s5"),
	}, res)
	requireNowhere(t, dir, secretPath)
	requireFsck(t, dir)

	// History before the first mention keeps its hashes.
	assert.Equal(t, []string{c1.String(), c2.String()},
		strings.Fields(runGit(t, dir, "rev-list", "--reverse", "--topo-order", DefaultRef))[:2])
	// The kept commits are the same commits but for trees and parents.
	parents := map[string]int{}
	for _, h := range strings.Fields(runGit(t, dir, "rev-list", DefaultRef)) {
		subject := runGit(t, dir, "log", "-1", "--format=%s", h)
		parents[subject] = len(strings.Fields(runGit(t, dir, "log", "-1", "--format=%P", h)))
		assert.Equal(t, before[subject], messagePart(t, dir, plumbing.NewHash(h)), subject)
	}
	assert.Equal(t, map[string]int{
		"init": 0, "other 2": 1, "other and secret": 1, "other 4": 1, "side note": 1, "other 5": 1,
		"merge side": 2, "final other": 1,
	}, parents)
	assert.Equal(t, otherLog, runGit(t, dir, "log", "--format=%s", DefaultRef, "--", "other.yaml"))
	assert.Equal(t, "o6", runGit(t, dir, "cat-file", "blob", DefaultRef+":other.yaml"))
	assert.Equal(t, "n", runGit(t, dir, "cat-file", "blob", DefaultRef+":notes/side.yaml"))
	// The emptied directories went with the file.
	assert.Empty(t, runGit(t, dir, "ls-tree", DefaultRef, "sessions"))

	reflog := runGit(t, dir, "reflog", "show", "--format=%H %gs", DefaultRef, "-1")
	assert.Equal(t, tip.String()+" memgit: purge "+secretPath, reflog)
	assert.Equal(t, user, captureUserState(t, dir))
	assert.NoFileExists(t, filepath.Join(dir, ".git", "refs", "heads", "memgit.lock"))

	// The same store goes on saving on the new history.
	next := up(s, "after purge", map[string]string{"other.yaml": "o7"})
	assert.Equal(t, tip.String(), runGit(t, dir, "rev-parse", next.String()+"^"))
	snap, err := s.Snapshot(ctx, "")
	require.NoError(t, err)
	data, err := snap.Read("notes/side.yaml")
	require.NoError(t, err)
	assert.Equal(t, "n", string(data))
	requireFsck(t, dir)
}

// A merge whose two sides now are one commit is reduced to that commit, or
// kept with one parent when it adds something of its own.
func TestPurgeMergeCollapses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		extra  string // a file only the merge adds
		ours   string // a file ours adds besides the secret
		want   []string
		merges int
	}{
		{name: "merge adds nothing", want: []string{"after", "init"}},
		{name: "merge adds a file", extra: "resolved.yaml", want: []string{"after", "merge", "init"}},
		// Theirs is now init, an ancestor of ours: telling that would take
		// a walk per merge, so the merge stays, with both parents.
		{name: "only theirs empties", ours: "ours.yaml", want: []string{"after", "merge", "ours", "init"}, merges: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s, dir := newStore(t)
			now := clock()
			c1 := mustUpdate(t, s, UpdateOptions{Create: true, Now: now}, put("init", map[string]string{"memgit.yaml": "v"})).Commit
			oursFiles := map[string]string{secretPath: "a"}
			if tc.ours != "" {
				oursFiles[tc.ours] = "o"
			}
			ours := mustUpdate(t, s, UpdateOptions{Now: now}, put("ours", oursFiles)).Commit
			side, err := Open(ctx, dir, Options{Ref: "side"})
			require.NoError(t, err)
			theirs := mustUpdate(t, side, UpdateOptions{Create: true, From: c1, Now: now}, put("theirs", map[string]string{secretPath: "b"})).Commit
			files := map[string]string{secretPath: "ab"}
			if tc.extra != "" {
				files[tc.extra] = "r"
			}
			resolved := mustUpdate(t, s, UpdateOptions{Now: now}, put("resolved", files)).Commit
			merge := runGit(t, dir, "commit-tree", resolved.String()+"^{tree}", "-p", ours.String(), "-p", theirs.String(), "-m", "merge")
			runGit(t, dir, "update-ref", DefaultRef, merge)
			mustUpdate(t, s, UpdateOptions{Now: now}, put("after", map[string]string{"after.yaml": "x"}))

			res, err := s.Purge(ctx, PurgeOptions{Paths: []string{secretPath}})
			require.NoError(t, err)
			assert.Equal(t, 5, res.Total)
			assert.Equal(t, 5-len(tc.want), res.Dropped)
			assert.Equal(t, tc.want, strings.Fields(runGit(t, dir, "log", "--format=%s", DefaultRef)))
			assert.Equal(t, tc.merges, len(strings.Fields(runGit(t, dir, "rev-list", "--merges", DefaultRef))))
			assert.Equal(t, c1.String(), runGit(t, dir, "rev-list", "--max-parents=0", DefaultRef))
			requireNowhere(t, dir, secretPath)
			requireFsck(t, dir)
		})
	}
}

// A root commit is kept even when nothing is left in it.
func TestPurgeKeepsRoot(t *testing.T) {
	s, dir := newStore(t)
	now := clock()
	mustUpdate(t, s, UpdateOptions{Create: true, Now: now}, put("secret first", map[string]string{secretPath: "s"}))
	mustUpdate(t, s, UpdateOptions{Now: now}, put("then other", map[string]string{"other.yaml": "o"}))

	res, err := s.Purge(context.Background(), PurgeOptions{Paths: []string{secretPath}})
	require.NoError(t, err)
	assert.Equal(t, 2, res.Rewritten)
	assert.Equal(t, 0, res.Dropped)
	root := runGit(t, dir, "rev-list", "--max-parents=0", DefaultRef)
	assert.Equal(t, "secret first", runGit(t, dir, "log", "-1", "--format=%s", root))
	assert.Equal(t, plumbing.ComputeHash(plumbing.TreeObject, nil).String(), runGit(t, dir, "rev-parse", root+"^{tree}"))
	assert.Equal(t, "other.yaml", runGit(t, dir, "ls-tree", "-r", "--name-only", DefaultRef))
	requireFsck(t, dir)
}

// A directory takes everything below it, by whole components.
func TestPurgeDirectory(t *testing.T) {
	s, dir := newStore(t)
	now := clock()
	mustUpdate(t, s, UpdateOptions{Create: true, Now: now}, put("one", map[string]string{
		"transcripts/2026/11/a.jsonl":   "a1",
		"transcripts/2026/11/b/c.jsonl": "c1",
		"transcripts/2026/1/keep.jsonl": "k",
		"sessions/2026/11/a.yaml":       "s",
	}))
	mustUpdate(t, s, UpdateOptions{Now: now}, put("two", map[string]string{"transcripts/2026/11/a.jsonl": "a2"}))

	// The second path is below the first: nothing more to do for it.
	res, err := s.Purge(context.Background(), PurgeOptions{Paths: []string{"transcripts/2026/11", "transcripts/2026/11/a.jsonl"}})
	require.NoError(t, err)
	assert.Equal(t, blobHashes("a1", "a2", "c1"), res.Blobs)
	assert.Equal(t, PurgeResult{Old: res.Old, New: res.New, Rewritten: 1, Dropped: 1, Total: 2, Blobs: res.Blobs}, res)
	assert.Equal(t, "sessions/2026/11/a.yaml\ntranscripts/2026/1/keep.jsonl",
		runGit(t, dir, "ls-tree", "-r", "--name-only", DefaultRef))
	assert.Equal(t, "1", runGit(t, dir, "rev-list", "--count", DefaultRef))
	requireFsck(t, dir)
}

// A dry run computes what the purge will do and writes nothing.
func TestPurgeDryRun(t *testing.T) {
	ctx := context.Background()
	dir := newUserRepo(t)
	s := mustDiscover(t, dir)
	now := clock()
	mustUpdate(t, s, UpdateOptions{Create: true, Now: now}, put("init", map[string]string{"memgit.yaml": "v"}))
	mustUpdate(t, s, UpdateOptions{Now: now}, put("secret", map[string]string{secretPath: "s", "other.yaml": "o"}))
	mustUpdate(t, s, UpdateOptions{Now: now}, put("more", map[string]string{"more.yaml": "m"}))
	old := revParse(t, dir, DefaultRef)
	reflog := runGit(t, dir, "reflog", "show", DefaultRef)
	objects := runGit(t, dir, "count-objects", "-v")
	loose := looseObjects(t, dir)

	dry, err := s.Purge(ctx, PurgeOptions{Paths: []string{secretPath}, DryRun: true})
	require.NoError(t, err)
	assert.Equal(t, old, revParse(t, dir, DefaultRef))
	assert.Equal(t, reflog, runGit(t, dir, "reflog", "show", DefaultRef))
	assert.Equal(t, objects, runGit(t, dir, "count-objects", "-v"), "a dry run writes no objects")
	assert.False(t, refExists(dir, dry.New.String()+"^{commit}"))
	assert.NoFileExists(t, filepath.Join(dir, ".git", "refs", "heads", "memgit.lock"))

	res, err := s.Purge(ctx, PurgeOptions{Paths: []string{secretPath}})
	require.NoError(t, err)
	assert.Equal(t, dry, res, "the dry run predicts the purge, hashes included")
	assert.Equal(t, res.New, revParse(t, dir, DefaultRef))
	assert.Equal(t, loose, looseObjects(t, dir), "the new objects are packed")
	requireFsck(t, dir)
}

// ctxAfter is a context whose Err reports cancellation from its n-th call.
type ctxAfter struct {
	context.Context
	n int
}

func (c *ctxAfter) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}

func TestPurgeErrorsLeaveBranch(t *testing.T) {
	s, dir := newStore(t)
	now := clock()
	mustUpdate(t, s, UpdateOptions{Create: true, Now: now}, put("init", map[string]string{"memgit.yaml": "v"}))
	for i := range 5 {
		mustUpdate(t, s, UpdateOptions{Now: now}, put("save", map[string]string{secretPath: fmt.Sprint(i)}))
	}
	old := revParse(t, dir, DefaultRef)

	_, err := s.Purge(context.Background(), PurgeOptions{Paths: []string{"sessions/2026/11/nope.yaml", "sessions/2026/1"}})
	require.ErrorIs(t, err, ErrNotFound)
	for _, p := range []string{"../x", "/etc/passwd", "a/../b", "a//b", ".git/config", "sessions/", ""} {
		_, err := s.Purge(context.Background(), PurgeOptions{Paths: []string{secretPath, p}})
		require.ErrorIs(t, err, ErrBadPath, "%q", p)
	}
	_, err = s.Purge(context.Background(), PurgeOptions{})
	require.Error(t, err)
	for _, n := range []int{1, 3, 8, 12} { // before the lock, walking, rewriting
		_, err = s.Purge(&ctxAfter{Context: context.Background(), n: n}, PurgeOptions{Paths: []string{secretPath}})
		require.ErrorIs(t, err, context.Canceled, "cancelled at check %d", n)
	}
	assert.Equal(t, old, revParse(t, dir, DefaultRef))
	assert.NoFileExists(t, filepath.Join(dir, "refs", "heads", "memgit.lock"))

	other, err := Open(context.Background(), dir, Options{Ref: "nobranch"})
	require.NoError(t, err)
	_, err = other.Purge(context.Background(), PurgeOptions{Paths: []string{secretPath}})
	require.ErrorIs(t, err, ErrNoBranch)
}

// Commits memgit did not write keep every header but the signature, which
// would no longer verify.
func TestPurgeKeepsCommitHeaders(t *testing.T) {
	s, dir := newStore(t)
	now := clock()
	c1 := mustUpdate(t, s, UpdateOptions{Create: true, Now: now}, put("init", map[string]string{secretPath: "s", "a.yaml": "a"})).Commit
	c2 := mustUpdate(t, s, UpdateOptions{Now: now}, put("two", map[string]string{"b.yaml": "b"})).Commit
	raw := runGit(t, dir, "cat-file", "commit", c2.String()) + "\n"
	head, msg, _ := strings.Cut(raw, "\n\n")
	sig := "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----"
	signed := head + "\nencoding UTF-8\n" + sig + "\nx-extra value\n\n" + msg
	cmd := gitCommand(dir, "hash-object", "-t", "commit", "-w", "--stdin")
	cmd.Stdin = strings.NewReader(signed)
	out, err := cmd.Output()
	require.NoError(t, err)
	runGit(t, dir, "update-ref", DefaultRef, strings.TrimSpace(string(out)))

	_, err = s.Purge(context.Background(), PurgeOptions{Paths: []string{secretPath}})
	require.NoError(t, err)
	newRoot := runGit(t, dir, "rev-parse", DefaultRef+"^")
	assert.NotEqual(t, c1.String(), newRoot)
	want := "tree " + runGit(t, dir, "rev-parse", DefaultRef+"^{tree}") + "\nparent " + newRoot + "\n" +
		strings.SplitN(head, "\n", 3)[2] + "\nencoding UTF-8\nx-extra value\n\n" + msg
	assert.Equal(t, want, string(gitOut(t, dir, "cat-file", "commit", DefaultRef)))
	requireFsck(t, dir)
}

// A long linear history is rewritten in one pass, without recursion.
func TestPurgeLongHistory(t *testing.T) {
	const commits = 2000
	s, dir := newStore(t)
	var in strings.Builder
	for i := range commits {
		msg := fmt.Sprintf("save %d\n\nMemgit-Kind: session\n", i)
		fmt.Fprintf(&in, "commit %s\nmark :%d\ncommitter A <a@example.com> %d +0000\ndata %d\n%s", DefaultRef, i+1, 1700000000+i, len(msg), msg)
		if i > 0 {
			fmt.Fprintf(&in, "from :%d\n", i)
		}
		path, content := sessionPath(i), fmt.Sprintf("id: s%04d\n", i)
		if i%100 == 50 {
			path, content = secretPath, fmt.Sprintf("token: %d\n", i)
		}
		fmt.Fprintf(&in, "M 100644 inline %s\ndata %d\n%s\n", path, len(content), content)
	}
	cmd := gitCommand(dir, "fast-import", "--quiet")
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "logs")))

	start := time.Now()
	res, err := s.Purge(context.Background(), PurgeOptions{Paths: []string{secretPath}})
	took := time.Since(start)
	require.NoError(t, err)
	t.Logf("purged %d commits (%d rewritten, %d dropped) in %s", res.Total, res.Rewritten, res.Dropped, took)
	assert.Less(t, took, 30*time.Second)
	assert.Equal(t, commits, res.Total)
	secrets := commits / 100
	assert.Equal(t, secrets, res.Dropped, "the commits that wrote only the secret")
	assert.Equal(t, commits-50-secrets, res.Rewritten, "every later commit had the secret in its tree")
	assert.Len(t, res.Blobs, secrets)
	assert.Empty(t, runGit(t, dir, "log", "--format=%H", DefaultRef, "--", secretPath))
	assert.Equal(t, fmt.Sprint(commits-secrets), runGit(t, dir, "rev-list", "--count", DefaultRef))
	requireFsck(t, dir)
}
