package gitstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newStore makes a separate store with Init: the cheapest real repository.
func newStore(t testing.TB) (*Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	s, err := Init(context.Background(), dir, Options{})
	require.NoError(t, err)
	return s, dir
}

func TestUpdateWithoutChangesMakesNoCommit(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	now := clock()
	first := mustUpdate(t, s, UpdateOptions{Create: true, Now: now}, put("first", map[string]string{
		"a.yaml":      "a\n",
		"b/c.yaml":    "c\n",
		"b/d/e.yaml":  "e\n",
		"empty.yaml":  "",
		"other/x.txt": "x\n",
	}))
	objects := looseObjects(t, dir)

	for name, fn := range map[string]func(tx *Tx) error{
		"same content again":           put("again", map[string]string{"a.yaml": "a\n", "b/d/e.yaml": "e\n"}),
		"delete of a missing path":     put("delete", map[string]string{"nope.yaml": deleted, "b/nope/x": deleted}),
		"put then delete a new path":   func(tx *Tx) error { tx.Put("new", []byte("x")); return tx.Delete("new") },
		"overwrite then put back":      func(tx *Tx) error { tx.Put("a.yaml", []byte("z")); return tx.Put("a.yaml", []byte("a\n")) },
		"empty file written as nil":    func(tx *Tx) error { return tx.Put("empty.yaml", nil) },
		"no writes, no message at all": func(tx *Tx) error { return nil },
	} {
		for _, create := range []bool{false, true} {
			res, err := s.Update(ctx, UpdateOptions{Create: create, Now: now}, fn)
			require.NoError(t, err, name)
			assert.Equal(t, Result{Commit: first.Commit, Parent: first.Commit}, res, name)
		}
	}
	assert.Equal(t, first.Commit, revParse(t, dir, "refs/heads/memgit"))
	assert.Equal(t, "1", runGit(t, dir, "rev-list", "--count", "memgit"))
	assert.Equal(t, objects, looseObjects(t, dir), "no objects written")
	assert.NoFileExists(t, filepath.Join(dir, "refs", "heads", "memgit.lock"))

	// Put of nil is an empty file, not a delete.
	res := mustUpdate(t, s, UpdateOptions{Now: now}, func(tx *Tx) error {
		tx.Message.Subject = "nil put"
		return tx.Put("nil.yaml", nil)
	})
	assert.True(t, res.Changed)
	assert.Equal(t, "", runGit(t, dir, "cat-file", "-p", "memgit:nil.yaml"))
}

func TestUpdateFailureLeavesBranch(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	first := mustUpdate(t, s, UpdateOptions{Create: true}, put("first", map[string]string{"a": "a"}))
	boom := errors.New("boom")

	_, err := s.Update(ctx, UpdateOptions{}, func(tx *Tx) error {
		require.NoError(t, tx.Put("b", []byte("b")))
		return boom
	})
	require.ErrorIs(t, err, boom)

	_, err = s.Update(ctx, UpdateOptions{}, func(tx *Tx) error { return tx.Put("b", []byte("b")) })
	require.Error(t, err, "a commit needs a subject")

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.Update(cancelled, UpdateOptions{}, put("cancelled", map[string]string{"b": "b"}))
	require.ErrorIs(t, err, context.Canceled)

	assert.Equal(t, first.Commit, revParse(t, dir, "refs/heads/memgit"))
	assert.NoFileExists(t, filepath.Join(dir, "refs", "heads", "memgit.lock"), "the lock is released")
	// The lock really is free: the next update goes through.
	mustUpdate(t, s, UpdateOptions{}, put("second", map[string]string{"b": "b"}))
}

func TestCreateEmptyBranch(t *testing.T) {
	s, dir := newStore(t)
	res := mustUpdate(t, s, UpdateOptions{Create: true}, func(tx *Tx) error {
		assert.Nil(t, tx.Base())
		tx.Message.Subject = "start memory"
		return nil
	})
	assert.True(t, res.Created)
	assert.Equal(t, plumbing.NewHash("4b825dc642cb6eb9a060e54bf8d69288fbee4904"), revParse(t, dir, "memgit^{tree}"), "git's empty tree")
	assert.Equal(t, res.Commit, revParse(t, dir, "memgit"))
	requireFsck(t, dir)
}

func TestOnlyTreesOnChangedPathsAreRewritten(t *testing.T) {
	s, dir := newStore(t)
	mustUpdate(t, s, UpdateOptions{Create: true}, put("fill", map[string]string{
		"memgit.yaml":              "version: 1\n",
		"rules/dev-rules.yaml":     "- r\n",
		"rules/review.yaml":        "- v\n",
		"jobs/j.yaml":              "j\n",
		"sessions/2025/12/d.yaml":  "d\n",
		"sessions/2026/10/a.yaml":  "a\n",
		"sessions/2026/10/b.yaml":  "b\n",
		"sessions/2026/11/c.yaml":  "c\n",
		"sessions/2026/11/zz.yaml": "z\n",
	}))

	// An update must not even read the trees it does not change: hide one
	// and the update still works.
	objects := looseObjects(t, dir)
	rules := revParse(t, dir, "memgit:rules").String()
	hidden := filepath.Join(dir, "objects", rules[:2], rules[2:])
	require.NoError(t, os.Rename(hidden, hidden+".away"))
	mustUpdate(t, s, UpdateOptions{}, put("one more session", map[string]string{"sessions/2026/11/x.yaml": "x\n"}))
	require.NoError(t, os.Rename(hidden+".away", hidden))

	assert.Equal(t, objects+6, looseObjects(t, dir), "one blob, four trees, one commit")
	for _, p := range []string{"rules", "jobs", "memgit.yaml", "sessions/2025", "sessions/2026/10", "sessions/2026/11/c.yaml"} {
		assert.Equal(t, revParse(t, dir, "memgit~1:"+p), revParse(t, dir, "memgit:"+p), p)
	}
	for _, p := range []string{"", "sessions", "sessions/2026", "sessions/2026/11"} {
		assert.NotEqual(t, revParse(t, dir, "memgit~1:"+p), revParse(t, dir, "memgit:"+p), p)
	}
	requireFsck(t, dir)
}

func TestMissingBranch(t *testing.T) {
	ctx := context.Background()
	repo := newUserRepo(t)
	s := mustDiscover(t, repo)
	objects := looseObjects(t, repo)

	called := false
	_, err := s.Update(ctx, UpdateOptions{}, func(tx *Tx) error { called = true; return tx.Put("a", []byte("a")) })
	require.ErrorIs(t, err, ErrNoBranch)
	assert.False(t, called, "nothing to build on: the body does not run")
	_, err = s.Tip()
	require.ErrorIs(t, err, ErrNoBranch)
	_, err = s.Snapshot(ctx, "")
	require.ErrorIs(t, err, ErrNoBranch)

	assert.False(t, refExists(repo, "refs/heads/memgit"))
	assert.NoFileExists(t, filepath.Join(repo, ".git", "refs", "heads", "memgit"))
	assert.NoFileExists(t, filepath.Join(repo, ".git", "refs", "heads", "memgit.lock"))
	assert.NoFileExists(t, filepath.Join(repo, ".git", "logs", "refs", "heads", "memgit"))
	assert.Equal(t, objects, looseObjects(t, repo))
}

// A fresh clone starts from the teammate's memory, not from a new root.
func TestCreateFromRemoteTip(t *testing.T) {
	ctx := context.Background()
	teammate, teamDir := newStore(t)
	mustUpdate(t, teammate, UpdateOptions{Create: true}, put("theirs 1", map[string]string{"rules/dev-rules.yaml": "- theirs\n"}))
	from := mustUpdate(t, teammate, UpdateOptions{}, put("theirs 2", map[string]string{"sessions/2026/11/t.yaml": "t\n"})).Commit

	fetched := func(t *testing.T) (*Store, string) {
		repo := newUserRepo(t)
		runGit(t, repo, "fetch", "-q", teamDir, "refs/heads/memgit:refs/remotes/origin/memgit")
		s := mustDiscover(t, repo)
		tips, err := s.RemoteTips()
		require.NoError(t, err)
		require.Equal(t, map[string]plumbing.Hash{"origin": from}, tips)
		return s, repo
	}

	t.Run("with a write", func(t *testing.T) {
		s, repo := fetched(t)
		_, err := s.Update(ctx, UpdateOptions{}, put("mine", map[string]string{"mine.yaml": "m\n"}))
		require.ErrorIs(t, err, ErrNoBranch)

		res := mustUpdate(t, s, UpdateOptions{Create: true, From: from}, func(tx *Tx) error {
			require.NotNil(t, tx.Base())
			assert.Equal(t, from, tx.Base().Commit())
			b, err := tx.Read("rules/dev-rules.yaml")
			require.NoError(t, err)
			assert.Equal(t, "- theirs\n", string(b))
			tx.Message.Subject = "mine"
			return tx.Put("mine.yaml", []byte("m\n"))
		})
		assert.True(t, res.Created)
		assert.True(t, res.Changed)
		assert.Equal(t, from, revParse(t, repo, "memgit^"))
		assert.Equal(t, revParse(t, teamDir, "memgit~1"), revParse(t, repo, "refs/heads/memgit~2"))
		assert.Equal(t, runGit(t, teamDir, "rev-list", "--max-parents=0", "memgit"), runGit(t, repo, "rev-list", "--max-parents=0", "memgit"), "one root: the teammate's")
		assert.Equal(t, "- theirs\n", runGit(t, repo, "cat-file", "-p", "memgit:rules/dev-rules.yaml")+"\n")
		assert.Equal(t, from, revParse(t, repo, "refs/remotes/origin/memgit"))
		requireFsck(t, repo)
	})

	t.Run("without writes", func(t *testing.T) {
		s, repo := fetched(t)
		res := mustUpdate(t, s, UpdateOptions{Create: true, From: from}, func(tx *Tx) error { return nil })
		assert.Equal(t, Result{Commit: from, Created: true}, res)
		assert.Equal(t, from, revParse(t, repo, "refs/heads/memgit"))
		assert.Equal(t, from, revParse(t, repo, "memgit@{0}"), "the reflog records the creation")
	})
}

func TestTxRead(t *testing.T) {
	s, _ := newStore(t)
	first := mustUpdate(t, s, UpdateOptions{Create: true}, put("first", map[string]string{"a": "a1", "d/b": "b1"}))
	mustUpdate(t, s, UpdateOptions{}, func(tx *Tx) error {
		tx.Message.Subject = "second"
		assert.Equal(t, first.Commit, tx.Base().Commit())
		read := func(p string) string {
			b, err := tx.Read(p)
			if errors.Is(err, ErrNotFound) {
				return "<missing>"
			}
			require.NoError(t, err)
			return string(b)
		}
		assert.Equal(t, "a1", read("a"))
		assert.Equal(t, "<missing>", read("c"))
		require.NoError(t, tx.Put("a", []byte("a2")))
		require.NoError(t, tx.Put("c", []byte("c2")))
		require.NoError(t, tx.Delete("d/b"))
		assert.Equal(t, "a2", read("a"))
		assert.Equal(t, "c2", read("c"))
		assert.Equal(t, "<missing>", read("d/b"))
		// The base is the tip: the transaction's writes are not in it.
		b, err := tx.Base().Read("a")
		require.NoError(t, err)
		assert.Equal(t, "a1", string(b))
		return nil
	})
}

// Deleting below a path that is a file removes nothing.
func TestDeleteBelowAFileKeepsIt(t *testing.T) {
	s, dir := newStore(t)
	first := mustUpdate(t, s, UpdateOptions{Create: true}, put("first", map[string]string{"a": "a\n", "d/x": "x\n"}))
	res := mustUpdate(t, s, UpdateOptions{}, put("delete a/b", map[string]string{"a/b": deleted, "a/b/c": deleted}))
	assert.False(t, res.Changed)
	assert.Equal(t, first.Commit, revParse(t, dir, "memgit"))
	assert.Equal(t, "a", runGit(t, dir, "cat-file", "-p", "memgit:a"))
}

func TestReplaceMovesOnlyFromTheExpectedTip(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	now := clock()
	first := mustUpdate(t, s, UpdateOptions{Create: true, Now: now}, put("first", map[string]string{"a": "1"})).Commit
	second := mustUpdate(t, s, UpdateOptions{Now: now}, put("second", map[string]string{"a": "2"})).Commit

	_, err := s.Replace(ctx, first, first, "stale")
	require.ErrorIs(t, err, ErrConflict, "the branch is no longer at first")
	assert.Equal(t, second, revParse(t, dir, DefaultRef))
	_, err = s.Replace(ctx, second, plumbing.NewHash("1234"), "missing")
	require.Error(t, err, "a commit the store lacks")

	res, err := s.Replace(ctx, second, first, "back")
	require.NoError(t, err)
	assert.Equal(t, first, res.Commit)
	assert.Equal(t, first, revParse(t, dir, DefaultRef))
	assert.NoFileExists(t, filepath.Join(dir, ".git", "refs", "heads", "memgit.lock"))
	requireFsck(t, dir)
}
