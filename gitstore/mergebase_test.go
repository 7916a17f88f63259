package gitstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dag writes commits with chosen parents and times straight into a store,
// for history shapes that saves alone never make.
type dag struct {
	t    *testing.T
	s    *Store
	tree plumbing.Hash
	n    int
}

func newDAG(t *testing.T, s *Store) *dag {
	tree, err := s.emptyTree()
	require.NoError(t, err)
	return &dag{t: t, s: s, tree: tree}
}

func (d *dag) commit(when time.Time, parents ...plumbing.Hash) plumbing.Hash {
	d.t.Helper()
	d.n++
	sig := object.Signature{Name: "dag", Email: "dag@example.com", When: when}
	c := &object.Commit{Author: sig, Committer: sig, Message: fmt.Sprintf("c%d\n", d.n), TreeHash: d.tree, ParentHashes: parents}
	obj := d.s.storer.NewEncodedObject()
	require.NoError(d.t, c.Encode(obj))
	h, err := d.s.storer.SetEncodedObject(obj)
	require.NoError(d.t, err)
	return h
}

// gitMergeBase picks from git's merge-base --all the base MergeBase must
// choose: newest committer time, then smallest hash. n is how many git
// found.
func gitMergeBase(t *testing.T, s *Store, dir string, a, b plumbing.Hash) (best plumbing.Hash, n int) {
	t.Helper()
	out, err := gitCommand(dir, "merge-base", "--all", a.String(), b.String()).Output()
	if err != nil {
		require.Empty(t, out, "git merge-base failed: %v", err)
		return plumbing.ZeroHash, 0 // exit 1: no common ancestor
	}
	var bestTime time.Time
	for _, line := range strings.Fields(string(out)) {
		n++
		h := plumbing.NewHash(line)
		c, err := s.commitObject(h)
		require.NoError(t, err)
		when := c.Committer.When
		if best.IsZero() || when.After(bestTime) || when.Equal(bestTime) && h.String() < best.String() {
			best, bestTime = h, when
		}
	}
	return best, n
}

func TestMergeBaseMatchesGit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, dir := newStore(t)
	d := newDAG(t, s)
	rng := rand.New(rand.NewPCG(7, 11))
	start := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	// Two roots, so some pairs are unrelated, and then branches and merges
	// among recent commits, as teammates syncing now and then make them.
	var commits []plumbing.Hash
	for i := range 80 {
		when := start.Add(time.Duration(i) * time.Minute)
		switch {
		case i < 2:
			commits = append(commits, d.commit(when))
		default:
			recent := commits[max(0, len(commits)-10):]
			p1 := recent[rng.IntN(len(recent))]
			if i == 60 {
				// Join the two roots' histories once.
				commits = append(commits, d.commit(when, p1, commits[1]))
				continue
			}
			if rng.IntN(2) == 0 {
				p2 := recent[rng.IntN(len(recent))]
				if p2 != p1 {
					commits = append(commits, d.commit(when, p1, p2))
					continue
				}
			}
			commits = append(commits, d.commit(when, p1))
		}
	}
	pairs := [][2]plumbing.Hash{{commits[0], commits[1]}, {commits[5], commits[5]}, {commits[79], commits[0]}}
	for range 20 {
		pairs = append(pairs, [2]plumbing.Hash{commits[rng.IntN(len(commits))], commits[rng.IntN(len(commits))]})
	}
	// Recent tips, where criss-cross merges leave several best bases.
	for range 20 {
		pairs = append(pairs, [2]plumbing.Hash{commits[70+rng.IntN(10)], commits[70+rng.IntN(10)]})
	}
	var unrelated, several int
	for _, p := range pairs {
		want, n := gitMergeBase(t, s, dir, p[0], p[1])
		got, err := s.MergeBase(ctx, p[0], p[1])
		require.NoError(t, err)
		assert.Equal(t, want, got, "merge base of %s and %s", p[0], p[1])
		back, err := s.MergeBase(ctx, p[1], p[0])
		require.NoError(t, err)
		assert.Equal(t, got, back, "the same base either way round")
		if want.IsZero() {
			unrelated++
		} else if n > 1 {
			several++
		}

		// WalkSince shows what git rev-list a..b shows.
		var walked []string
		require.NoError(t, s.WalkSince(ctx, p[1], p[0], func(c *CommitInfo) error {
			walked = append(walked, c.Hash.String())
			return nil
		}))
		assert.ElementsMatch(t, strings.Fields(string(gitOut(t, dir, "rev-list", p[0].String()+".."+p[1].String()))), walked,
			"commits in %s..%s", p[0], p[1])

		isAnc, err := s.IsAncestor(ctx, p[0], p[1])
		require.NoError(t, err)
		// git's only base is a exactly when a is an ancestor of b.
		assert.Equal(t, n == 1 && want == p[0], isAnc, "is %s an ancestor of %s", p[0], p[1])
	}
	assert.Positive(t, unrelated, "the pairs include unrelated histories")
	assert.Positive(t, several, "the pairs include criss-cross merges with several best bases")
}

func TestMergeBaseCrissCross(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	d := newDAG(t, s)
	at := func(min int) time.Time { return time.Date(2026, 11, 3, 10, min, 0, 0, time.UTC) }
	root := d.commit(at(0))
	a := d.commit(at(1), root)
	b := d.commit(at(2), root)
	// Two teammates merge each other at the same time: a and b are both
	// best common ancestors of what follows.
	x := d.commit(at(3), a, b)
	y := d.commit(at(3), b, a)
	x2 := d.commit(at(4), x)
	y2 := d.commit(at(5), y)
	for _, p := range [][2]plumbing.Hash{{x2, y2}, {y2, x2}, {x, y}} {
		got, err := s.MergeBase(ctx, p[0], p[1])
		require.NoError(t, err)
		assert.Equal(t, b, got, "the newer of the two best bases")
	}
	got, err := s.MergeBase(ctx, x2, a)
	require.NoError(t, err)
	assert.Equal(t, a, got, "an ancestor is its own merge base with a descendant")

	_, err = s.MergeBase(ctx, x2, plumbing.NewHash(strings.Repeat("ab", 20)))
	require.ErrorIs(t, err, ErrNotFound)
	got, err = s.MergeBase(ctx, x2, plumbing.ZeroHash)
	require.NoError(t, err)
	assert.True(t, got.IsZero(), "no base with an empty history")
}
