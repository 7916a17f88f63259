package gitstore

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// PurgeOptions controls Purge.
type PurgeOptions struct {
	// Paths are files or directories to remove from every commit; a
	// directory takes everything below it. They match whole components:
	// "sessions/2026/1" does not touch "sessions/2026/11".
	Paths []string
	// DryRun computes the result without writing objects or moving the ref.
	DryRun bool
}

// PurgeResult is what Purge did, or would do on a dry run.
type PurgeResult struct {
	Old, New  plumbing.Hash // the tip before and after (New is not written on a dry run)
	Rewritten int           // kept commits whose tree lost a path
	Dropped   int           // commits left with nothing of their own, removed
	Total     int           // commits walked
	// Blobs are the distinct blobs that were at the paths, sorted. A blob
	// with the same content elsewhere in a tree stays reachable there.
	Blobs []plumbing.Hash
}

// Purge removes paths from the whole history of the memory branch, for a
// secret that must not survive in any commit, and moves the branch to the
// rewritten tip under the ref lock.
//
// Each commit is rebuilt from its raw bytes with only its tree and parent
// lines changed, so author, committer, dates, message and trailers stay
// byte for byte; a signature, no longer valid, is dropped. A commit whose
// tree and parents are unchanged keeps its hash, so history before the
// first mention of a path is untouched. A commit left with the same tree as
// its parent is dropped (one that was empty before is kept); a merge whose
// parents now are one commit becomes a single-parent commit, or is dropped
// when it adds nothing to it. Roots are always kept.
//
// The lock is held for the whole rewrite, so a save meanwhile waits for it
// (up to LockTimeout). Other refs holding the old history (remote-tracking
// branches, the reflog) still reach the removed blobs until they are
// updated and git gc runs. Nothing matching in any commit is ErrNotFound.
func (s *Store) Purge(ctx context.Context, opts PurgeOptions) (PurgeResult, error) {
	if err := ctx.Err(); err != nil {
		return PurgeResult{}, err
	}
	if len(opts.Paths) == 0 {
		return PurgeResult{}, fmt.Errorf("purge: no paths")
	}
	root := &purgeNode{}
	for _, p := range opts.Paths {
		if err := CheckPath(p); err != nil {
			return PurgeResult{}, err
		}
		root.add(p)
	}
	lock, err := s.lockRef(ctx, s.ref)
	if err != nil {
		return PurgeResult{}, err
	}
	res, err := s.purgeLocked(ctx, lock, root, opts)
	if err != nil {
		lock.release()
	}
	return res, err
}

func (s *Store) purgeLocked(ctx context.Context, lock *refLock, root *purgeNode, opts PurgeOptions) (PurgeResult, error) {
	tip, err := s.readRef(s.ref)
	if err != nil {
		return PurgeResult{}, err
	}
	if tip.IsZero() {
		return PurgeResult{}, fmt.Errorf("%w: %s", ErrNoBranch, s.ref)
	}
	order, links, err := s.topoOrder(ctx, tip)
	if err != nil {
		return PurgeResult{}, err
	}
	p := newPurger(s, opts.DryRun)
	res := PurgeResult{Old: tip, Total: len(order)}
	// mapped is each old commit's replacement: itself, its rewrite, or for
	// a dropped commit what its parent became.
	type rewrite struct{ commit, tree plumbing.Hash }
	mapped := make(map[plumbing.Hash]rewrite, len(order))
	for _, h := range order {
		if err := ctx.Err(); err != nil {
			return PurgeResult{}, err
		}
		c := links[h]
		tree, err := p.root(root, c.tree)
		if err != nil {
			return PurgeResult{}, err
		}
		parents := make([]plumbing.Hash, 0, len(c.parents))
		for _, old := range c.parents {
			// Duplicate parents are an error to git fsck.
			if n := mapped[old].commit; !slices.Contains(parents, n) {
				parents = append(parents, n)
			}
		}
		if tree == c.tree && slices.Equal(parents, c.parents) {
			mapped[h] = rewrite{h, tree}
			continue
		}
		// Nothing of its own left: a commit that changed only the paths, or a
		// merge of what is now one commit. A commit that was empty before,
		// someone made on purpose.
		if len(parents) == 1 && tree == mapped[c.parents[0]].tree &&
			(len(c.parents) > 1 || c.tree != links[c.parents[0]].tree) {
			mapped[h] = mapped[c.parents[0]]
			res.Dropped++
			continue
		}
		n, err := p.commit(h, tree, parents)
		if err != nil {
			return PurgeResult{}, err
		}
		mapped[h] = rewrite{n, tree}
		if tree != c.tree {
			res.Rewritten++
		}
	}
	if !p.matched {
		return PurgeResult{}, fmt.Errorf("purge %s: %w", strings.Join(opts.Paths, ", "), ErrNotFound)
	}
	res.New = mapped[tip].commit
	for b := range p.blobs {
		res.Blobs = append(res.Blobs, b)
	}
	slices.SortFunc(res.Blobs, func(a, b plumbing.Hash) int { return bytes.Compare(a[:], b[:]) })
	if opts.DryRun {
		lock.release()
		return res, nil
	}
	if err := p.flush(); err != nil {
		return PurgeResult{}, err
	}
	if _, err := s.finish(lock, Result{Parent: tip}, res.New, "memgit: purge "+strings.Join(opts.Paths, " ")); err != nil {
		return PurgeResult{}, err
	}
	return res, nil
}

// commitLinks is what the purge needs of a commit to order and rebuild it.
type commitLinks struct {
	tree    plumbing.Hash
	parents []plumbing.Hash
}

// topoOrder lists the commits reachable from tip, parents before children,
// by a depth-first walk on an explicit stack: a history of 100,000 commits
// is too deep for recursion. A commit is read when first on top of the
// stack and listed when it comes back there with its parents listed.
func (s *Store) topoOrder(ctx context.Context, tip plumbing.Hash) ([]plumbing.Hash, map[plumbing.Hash]commitLinks, error) {
	links := map[plumbing.Hash]commitLinks{}
	done := map[plumbing.Hash]bool{}
	var order []plumbing.Hash
	stack := []plumbing.Hash{tip}
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		if done[h] {
			stack = stack[:len(stack)-1]
			continue
		}
		l, read := links[h]
		if !read {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
			var err error
			if l, err = s.commitLinks(h); err != nil {
				return nil, nil, err
			}
			links[h] = l
			for i := len(l.parents) - 1; i >= 0; i-- {
				if !done[l.parents[i]] {
					stack = append(stack, l.parents[i])
				}
			}
			continue
		}
		for _, p := range l.parents {
			if !done[p] {
				return nil, nil, fmt.Errorf("%w: commit %s is its own ancestor", ErrCorrupt, h)
			}
		}
		stack = stack[:len(stack)-1]
		done[h] = true
		order = append(order, h)
	}
	return order, links, nil
}

// commitLinks reads a commit's tree and parents from its header. Any failure
// is ErrCorrupt: a missing commit in the history is damage, not a path that
// was not found.
func (s *Store) commitLinks(h plumbing.Hash) (commitLinks, error) {
	raw, err := s.rawCommit(h)
	if err != nil {
		return commitLinks{}, err
	}
	var l commitLinks
	for i, line := range strings.Split(string(commitHeader(raw)), "\n") {
		if v, ok := strings.CutPrefix(line, "tree "); ok && i == 0 && plumbing.IsHash(v) {
			l.tree = plumbing.NewHash(v)
			continue
		}
		if v, ok := strings.CutPrefix(line, "parent "); ok && i > 0 && plumbing.IsHash(v) {
			l.parents = append(l.parents, plumbing.NewHash(v))
			continue
		}
		if i == 0 {
			return commitLinks{}, fmt.Errorf("%w: commit %s has no tree line", ErrCorrupt, h)
		}
		break
	}
	return l, nil
}

func (s *Store) rawCommit(h plumbing.Hash) ([]byte, error) {
	typ, raw, err := s.object(h)
	if err == nil && typ != plumbing.CommitObject {
		err = fmt.Errorf("a %s, not a commit", typ)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: commit %s: %v", ErrCorrupt, h, err)
	}
	return raw, nil
}

// commitHeader is a commit's header lines, without the blank line that ends them.
func commitHeader(raw []byte) []byte {
	if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		return raw[:i]
	}
	return bytes.TrimSuffix(raw, []byte("\n"))
}

// commit writes commit h again with a new tree and parents. Every other
// header line and the message are copied as they are, except a signature,
// which would no longer verify.
func (p *purger) commit(h, tree plumbing.Hash, parents []plumbing.Hash) (plumbing.Hash, error) {
	raw, err := p.s.rawCommit(h)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	hdr := commitHeader(raw)
	var b bytes.Buffer
	b.Grow(len(raw) + 48*len(parents))
	fmt.Fprintf(&b, "tree %s\n", tree)
	for _, parent := range parents {
		fmt.Fprintf(&b, "parent %s\n", parent)
	}
	lines := bytes.Split(hdr, []byte("\n"))
	i := 1 // the tree line
	for i < len(lines) && bytes.HasPrefix(lines[i], []byte("parent ")) {
		i++
	}
	signature := false
	for _, line := range lines[i:] {
		if !bytes.HasPrefix(line, []byte(" ")) {
			signature = bytes.HasPrefix(line, []byte("gpgsig ")) || bytes.HasPrefix(line, []byte("gpgsig-sha256 "))
		}
		if !signature {
			b.Write(line)
			b.WriteByte('\n')
		}
	}
	// The blank line and the message; the header's last newline is written.
	b.Write(raw[min(len(hdr)+1, len(raw)):])
	obj := p.s.storer.NewEncodedObject()
	obj.SetType(plumbing.CommitObject)
	obj.SetSize(int64(b.Len()))
	w, err := obj.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	return p.store(obj)
}
