package gitstore

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// resolveCall is one call of a Resolver, with "-" for an absent version.
type resolveCall struct{ Path, Base, Ours, Theirs string }

func absentOr(b []byte) string {
	if b == nil {
		return "-"
	}
	return string(b)
}

// recorder is a Resolver that records its calls and joins both sides'
// versions in sorted order (so either side may be ours), or deletes the file
// when either side deleted it.
func recorder(calls *[]resolveCall) Resolver {
	return func(path string, base, ours, theirs []byte) ([]byte, error) {
		*calls = append(*calls, resolveCall{path, absentOr(base), absentOr(ours), absentOr(theirs)})
		if ours == nil || theirs == nil {
			return nil, nil
		}
		both := []string{string(ours), string(theirs)}
		slices.Sort(both)
		return []byte(strings.Join(both, "|")), nil
	}
}

// treeFiles lists a tree's files as git sees them.
func treeFiles(t *testing.T, dir string, tree plumbing.Hash) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(runGit(t, dir, "ls-tree", "-r", "--name-only", tree.String()), "\n") {
		if line != "" {
			out[line] = runGit(t, dir, "cat-file", "blob", tree.String()+":"+line)
		}
	}
	return out
}

func TestMergeTrees(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	now := clock()
	base := mustUpdate(t, s, UpdateOptions{Create: true, Now: now}, put("base", map[string]string{
		"rules/dev-rules.yaml":    "base",
		"sessions/2026/10/a.yaml": "a",
		"sessions/2026/10/b.yaml": "b",
		"sessions/2026/10/c.yaml": "c",
		"sessions/2026/10/d.yaml": "d",
		"sessions/2026/09/x.yaml": "x",
		"jobs/j.yaml":             "j",
		"memories/m/k.md":         "k",
		"old/gone.yaml":           "g",
		"old/kept.yaml":           "k",
		"shape":                   "a file",
	}))
	ours := mustUpdate(t, s, UpdateOptions{Now: now}, put("ours", map[string]string{
		"rules/dev-rules.yaml":    "base+ours", // both change: resolve
		"sessions/2026/10/a.yaml": "a ours",    // ours only
		"sessions/2026/10/c.yaml": deleted,     // ours deletes, theirs leaves
		"sessions/2026/10/d.yaml": deleted,     // ours deletes, theirs changes: resolve
		"sessions/2026/11/o.yaml": "o",         // added by ours
		"both/same.yaml":          "same",      // added by both alike
		"both/differ.yaml":        "ours",      // added by both differently: resolve
		"jobs/j.yaml":             "j2",        // both change alike
		"memories/m/k.md":         "k ours",    // both change: resolve, resolver deletes
		"old/gone.yaml":           deleted,     // both delete
		"shape":                   deleted,     // a file becomes a directory
		"shape/inner.yaml":        "inner",
	}))
	theirsDocs := map[string]string{
		"rules/dev-rules.yaml":    "base+theirs",
		"sessions/2026/10/b.yaml": "b theirs",
		"sessions/2026/10/d.yaml": "d theirs",
		"sessions/2026/11/t.yaml": "t",
		"both/same.yaml":          "same",
		"both/differ.yaml":        "theirs",
		"jobs/j.yaml":             "j2",
		"memories/m/k.md":         deleted,
		"old/gone.yaml":           deleted,
	}
	theirsTree, err := s.applyChanges(s.mustTree(t, base.Commit), changesOf(theirsDocs))
	require.NoError(t, err)
	oursTree := s.mustTree(t, ours.Commit)
	baseTree := s.mustTree(t, base.Commit)

	var calls []resolveCall
	merged, resolved, err := s.MergeTrees(ctx, baseTree, oursTree, theirsTree, recorder(&calls))
	require.NoError(t, err)
	assert.Equal(t, []resolveCall{
		{"both/differ.yaml", "-", "ours", "theirs"},
		{"memories/m/k.md", "k", "k ours", "-"},
		{"rules/dev-rules.yaml", "base", "base+ours", "base+theirs"},
		{"sessions/2026/10/d.yaml", "d", "-", "d theirs"},
	}, calls, "only files both sides changed differently, in path order")
	assert.Equal(t, []string{"both/differ.yaml", "memories/m/k.md", "rules/dev-rules.yaml", "sessions/2026/10/d.yaml"}, resolved)
	assert.Equal(t, map[string]string{
		"both/differ.yaml":        "ours|theirs",
		"both/same.yaml":          "same",
		"shape/inner.yaml":        "inner",
		"jobs/j.yaml":             "j2",
		"old/kept.yaml":           "k",
		"rules/dev-rules.yaml":    "base+ours|base+theirs",
		"sessions/2026/09/x.yaml": "x",
		"sessions/2026/10/a.yaml": "a ours",
		"sessions/2026/10/b.yaml": "b theirs",
		"sessions/2026/11/o.yaml": "o",
		"sessions/2026/11/t.yaml": "t",
	}, treeFiles(t, dir, merged))

	// The same merge the other way round gives the same files.
	calls = nil
	back, _, err := s.MergeTrees(ctx, baseTree, theirsTree, oursTree, recorder(&calls))
	require.NoError(t, err)
	assert.Len(t, calls, 4)
	assert.Equal(t, merged, back, "the same tree")

	// Without a resolver the merge names every conflict and writes nothing
	// to the branch.
	_, _, err = s.MergeTrees(ctx, baseTree, oursTree, theirsTree, nil)
	require.ErrorIs(t, err, ErrMergeConflict)
	for _, p := range []string{"both/differ.yaml", "memories/m/k.md", "rules/dev-rules.yaml", "sessions/2026/10/d.yaml"} {
		assert.Contains(t, err.Error(), p)
	}

	// A name that both sides added, one as a file and one as a directory,
	// cannot be merged into one tree.
	fileTree, err := s.applyChanges(baseTree, changesOf(map[string]string{"new": "a file"}))
	require.NoError(t, err)
	dirTree, err := s.applyChanges(baseTree, changesOf(map[string]string{"new/x.yaml": "a directory"}))
	require.NoError(t, err)
	_, _, err = s.MergeTrees(ctx, baseTree, fileTree, dirTree, recorder(new([]resolveCall)))
	require.ErrorIs(t, err, ErrMergeConflict)
	assert.Contains(t, err.Error(), "new is a file on one side and a directory on the other")

	// A resolver's error aborts, naming the path.
	_, _, err = s.MergeTrees(ctx, baseTree, oursTree, theirsTree, func(string, []byte, []byte, []byte) ([]byte, error) {
		return nil, ErrCorrupt
	})
	require.ErrorIs(t, err, ErrCorrupt)
	assert.Contains(t, err.Error(), "both/differ.yaml")

	// Degenerate merges take a side by hash.
	for _, c := range []struct{ b, o, th, want plumbing.Hash }{
		{baseTree, baseTree, theirsTree, theirsTree},
		{baseTree, oursTree, baseTree, oursTree},
		{baseTree, oursTree, oursTree, oursTree},
	} {
		got, resolved, err := s.MergeTrees(ctx, c.b, c.o, c.th, nil)
		require.NoError(t, err)
		assert.Equal(t, c.want, got)
		assert.Empty(t, resolved)
	}
	requireFsck(t, dir)
}

func changesOf(files map[string]string) []change {
	var out []change
	for p, c := range files {
		if c == deleted {
			out = append(out, change{path: p})
		} else {
			out = append(out, change{path: p, data: []byte(c)})
		}
	}
	slices.SortFunc(out, func(a, b change) int { return strings.Compare(a.path, b.path) })
	return out
}

func (s *Store) mustTree(t *testing.T, commit plumbing.Hash) plumbing.Hash {
	t.Helper()
	c, err := s.commitObject(commit)
	require.NoError(t, err)
	return c.TreeHash
}

// TestMergeTreesReadsOnlyChangedSubtrees shows the merge never reads a
// subtree only one side changed: theirs names a subtree that is not in the
// store at all, in a directory ours left alone.
func TestMergeTreesReadsOnlyChangedSubtrees(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	base := mustUpdate(t, s, UpdateOptions{Create: true}, put("base", map[string]string{
		"sessions/2026/10/a.yaml": "a", "rules/r.yaml": "r",
	}))
	ours := mustUpdate(t, s, UpdateOptions{}, put("ours", map[string]string{"rules/r.yaml": "r2"}))
	baseTree, oursTree := s.mustTree(t, base.Commit), s.mustTree(t, ours.Commit)
	entries, err := s.treeEntries(baseTree)
	require.NoError(t, err)
	missing := plumbing.NewHash(strings.Repeat("5e", 20))
	for i := range entries {
		if entries[i].Name == "sessions" {
			entries[i].Hash = missing
		}
	}
	obj := s.storer.NewEncodedObject()
	require.NoError(t, (&object.Tree{Entries: entries}).Encode(obj))
	theirsTree, err := s.storer.SetEncodedObject(obj)
	require.NoError(t, err)

	merged, resolved, err := s.MergeTrees(ctx, baseTree, oursTree, theirsTree, nil)
	require.NoError(t, err)
	assert.Empty(t, resolved)
	got, err := s.treeEntries(merged)
	require.NoError(t, err)
	oursEntries, err := s.treeEntries(oursTree)
	require.NoError(t, err)
	require.Equal(t, "rules", oursEntries[0].Name)
	assert.Equal(t, []object.TreeEntry{
		{Name: "rules", Mode: filemode.Dir, Hash: oursEntries[0].Hash},
		{Name: "sessions", Mode: filemode.Dir, Hash: missing},
	}, got)
}

func TestMergeFastForwardAndUpToDate(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	now := clock()
	first := mustUpdate(t, s, UpdateOptions{Create: true, Now: now}, put("first", map[string]string{"a": "1"}))
	second := mustUpdate(t, s, UpdateOptions{Now: now}, put("second", map[string]string{"b": "2"}))
	runGit(t, dir, "update-ref", DefaultRef, first.Commit.String())

	res, err := s.Merge(ctx, second.Commit, MergeOptions{})
	require.NoError(t, err, "a fast-forward needs no message and no resolver")
	assert.Equal(t, MergeResult{Commit: second.Commit, Parent: first.Commit, Base: first.Commit, FastForward: true}, res)
	assert.Equal(t, second.Commit, revParse(t, dir, DefaultRef))
	assert.Equal(t, "0", runGit(t, dir, "rev-list", "--merges", "--count", "memgit"), "no merge commit")

	for _, theirs := range []plumbing.Hash{first.Commit, second.Commit} {
		res, err = s.Merge(ctx, theirs, MergeOptions{})
		require.NoError(t, err)
		assert.Equal(t, MergeResult{Commit: second.Commit, Parent: second.Commit, Base: theirs, UpToDate: true}, res)
	}
	assert.Equal(t, second.Commit, revParse(t, dir, DefaultRef))

	// A missing branch is created at theirs only when asked.
	other, err := Open(ctx, dir, Options{Ref: "other"})
	require.NoError(t, err)
	_, err = other.Merge(ctx, second.Commit, MergeOptions{})
	require.ErrorIs(t, err, ErrNoBranch)
	res, err = other.Merge(ctx, second.Commit, MergeOptions{Create: true})
	require.NoError(t, err)
	assert.Equal(t, MergeResult{Commit: second.Commit, Created: true, FastForward: true}, res)
	assert.Equal(t, second.Commit, revParse(t, dir, "refs/heads/other"))

	_, err = s.Merge(ctx, plumbing.NewHash(strings.Repeat("ab", 20)), MergeOptions{})
	require.ErrorIs(t, err, ErrNotFound)
	assert.NoFileExists(t, dir+"/refs/heads/memgit.lock")
}

func TestMergeCommit(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	now := clock()
	base := mustUpdate(t, s, UpdateOptions{Create: true, Now: now}, put("base", map[string]string{"r": "base", "a": "a"}))
	theirs := mustUpdate(t, s, UpdateOptions{Now: now}, put("theirs", map[string]string{"r": "theirs", "t": "t"}))
	runGit(t, dir, "update-ref", DefaultRef, base.Commit.String())
	ours := mustUpdate(t, s, UpdateOptions{Now: now}, put("ours", map[string]string{"r": "ours", "o": "o"}))

	msg := Message{Subject: "Merge memory from origin", Trailers: []Trailer{{"Memgit-Kind", "merge"}}}
	_, err := s.Merge(ctx, theirs.Commit, MergeOptions{Message: msg, Now: now})
	require.ErrorIs(t, err, ErrMergeConflict, "no resolver")
	_, err = s.Merge(ctx, theirs.Commit, MergeOptions{Now: now, Resolve: recorder(new([]resolveCall))})
	require.Error(t, err, "a merge commit needs a subject")
	assert.Equal(t, ours.Commit, revParse(t, dir, DefaultRef), "failed merges leave the branch")

	// MessageFunc writes the message after the trees are merged, knowing
	// what was resolved and the two sides.
	var calls []resolveCall
	var seen MergeResult
	res, err := s.Merge(ctx, theirs.Commit, MergeOptions{Message: Message{Subject: "replaced"}, Resolve: recorder(&calls), Now: now,
		MessageFunc: func(r MergeResult) Message { seen = r; return msg }})
	require.NoError(t, err)
	assert.Equal(t, MergeResult{Parent: ours.Commit, Base: base.Commit, Resolved: []string{"r"}}, seen)
	assert.Equal(t, []resolveCall{{"r", "base", "ours", "theirs"}}, calls)
	assert.Equal(t, []string{"r"}, res.Resolved)
	assert.Equal(t, base.Commit, res.Base)
	assert.Equal(t, ours.Commit, res.Parent)
	assert.False(t, res.FastForward || res.UpToDate || res.Created)
	assert.Equal(t, res.Commit, revParse(t, dir, DefaultRef))
	assert.Equal(t, ours.Commit.String()+"\n"+theirs.Commit.String(), runGit(t, dir, "rev-parse", "memgit^1", "memgit^2"))
	assert.Equal(t, map[string]string{"a": "a", "o": "o", "t": "t", "r": "ours|theirs"}, treeFiles(t, dir, revParse(t, dir, "memgit^{tree}")))
	info, err := s.CommitInfo(res.Commit)
	require.NoError(t, err)
	assert.Equal(t, msg, info.Message)
	requireFsck(t, dir)

	// Merging again is a no-op.
	again, err := s.Merge(ctx, theirs.Commit, MergeOptions{Message: msg})
	require.NoError(t, err)
	assert.True(t, again.UpToDate)
	assert.Equal(t, res.Commit, again.Commit)
}

func TestMergeUnrelatedHistories(t *testing.T) {
	ctx := context.Background()
	s, dir := newStore(t)
	now := clock()
	mustUpdate(t, s, UpdateOptions{Create: true, Now: now}, put("mine", map[string]string{"memgit.yaml": "v: 1\n", "mine": "m"}))
	other, err := Open(ctx, dir, Options{Ref: "other"})
	require.NoError(t, err)
	theirs := mustUpdate(t, other, UpdateOptions{Create: true, Now: now}, put("theirs", map[string]string{"memgit.yaml": "v: 2\n", "theirs": "t"}))
	tip := revParse(t, dir, DefaultRef)

	_, err = s.Merge(ctx, theirs.Commit, MergeOptions{Message: Message{Subject: "merge"}})
	require.ErrorIs(t, err, ErrUnrelatedHistories)
	assert.Equal(t, tip, revParse(t, dir, DefaultRef))

	var calls []resolveCall
	res, err := s.Merge(ctx, theirs.Commit, MergeOptions{Message: Message{Subject: "merge"}, AllowUnrelated: true, Resolve: recorder(&calls), Now: now})
	require.NoError(t, err)
	assert.True(t, res.Base.IsZero())
	assert.Equal(t, []resolveCall{{"memgit.yaml", "-", "v: 1\n", "v: 2\n"}}, calls, "added on both sides, no base")
	assert.Equal(t, map[string]string{"memgit.yaml": "v: 1\n|v: 2", "mine": "m", "theirs": "t"}, treeFiles(t, dir, revParse(t, dir, "memgit^{tree}")))
	requireFsck(t, dir)
}
