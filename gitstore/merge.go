package gitstore

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Resolver merges one file that both sides changed. base, ours and theirs
// are the file's contents, nil where the file is absent (added on both
// sides, or deleted on one side and changed on the other). It returns the
// merged content, or nil to delete the file; an error aborts the merge.
type Resolver func(path string, base, ours, theirs []byte) ([]byte, error)

// MergeTrees merges trees ours and theirs, both descended from base, and
// returns the merged tree and the paths it passed to resolve, in path
// order. Any of the trees may be ZeroHash, the empty tree (base for
// unrelated histories).
//
// Where a side left a subtree as it was in base, the other side's subtree is
// taken by hash without reading it, so the cost is that of the trees both
// sides changed. A file changed (added, modified, deleted) on one side only
// takes that side's version; a file both sides changed the same way is
// taken as is; only a file both sides changed differently reaches resolve,
// and a nil resolve makes that an ErrMergeConflict. New blobs and trees are
// written to the store.
func (s *Store) MergeTrees(ctx context.Context, base, ours, theirs plumbing.Hash, resolve Resolver) (plumbing.Hash, []string, error) {
	m := &treeMerge{s: s, ctx: ctx, resolve: resolve}
	h, err := m.tree(base, ours, theirs, "")
	if err != nil {
		return plumbing.ZeroHash, nil, err
	}
	if len(m.unresolved) > 0 {
		return plumbing.ZeroHash, m.resolved, fmt.Errorf("%w: %s", ErrMergeConflict, strings.Join(m.unresolved, ", "))
	}
	if h.IsZero() {
		if h, err = s.emptyTree(); err != nil {
			return plumbing.ZeroHash, nil, err
		}
	}
	return h, m.resolved, nil
}

type treeMerge struct {
	s          *Store
	ctx        context.Context
	resolve    Resolver
	resolved   []string
	unresolved []string // both sides changed, and no resolver
}

// slot is what one side has under one name, as a file or as a directory: a
// name that is a file on one side and a directory on the other is merged as
// two names, so that each side's change to either is kept.
type slot struct {
	hash plumbing.Hash // zero: absent
	mode filemode.FileMode
}

// tree merges three versions of the tree at prefix and returns the merged
// tree's hash, ZeroHash when it is empty.
func (m *treeMerge) tree(base, ours, theirs plumbing.Hash, prefix string) (plumbing.Hash, error) {
	switch {
	case ours == theirs, base == theirs:
		return ours, nil
	case base == ours:
		return theirs, nil
	}
	if err := m.ctx.Err(); err != nil {
		return plumbing.ZeroHash, err
	}
	type key struct {
		name string
		dir  bool
	}
	sides := [3]map[key]slot{}
	for i, h := range []plumbing.Hash{base, ours, theirs} {
		entries, err := m.s.treeEntries(h)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		sides[i] = make(map[key]slot, len(entries))
		for _, e := range entries {
			sides[i][key{e.Name, e.Mode == filemode.Dir}] = slot{e.Hash, e.Mode}
		}
	}
	keys := make([]key, 0, len(sides[1])+len(sides[2]))
	seen := map[key]bool{}
	for _, side := range sides {
		for k := range side {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	// Path order, so that resolve sees files in the order git lists them.
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i].name, keys[j].name
		if keys[i].dir {
			a += "/"
		}
		if keys[j].dir {
			b += "/"
		}
		return a < b
	})
	var out []object.TreeEntry
	files := map[string]bool{}
	for _, k := range keys {
		b, o, t := sides[0][k], sides[1][k], sides[2][k]
		path := prefix + k.name
		var res slot
		switch {
		case o == t, b == t:
			res = o
		case b == o:
			res = t
		case k.dir:
			h, err := m.tree(b.hash, o.hash, t.hash, path+"/")
			if err != nil {
				return plumbing.ZeroHash, err
			}
			res = slot{h, filemode.Dir}
		default:
			var err error
			if res, err = m.file(path, b, o, t); err != nil {
				return plumbing.ZeroHash, err
			}
		}
		if res.hash.IsZero() {
			continue
		}
		if k.dir && files[k.name] {
			return plumbing.ZeroHash, fmt.Errorf("%w: %s is a file on one side and a directory on the other", ErrMergeConflict, path)
		}
		files[k.name] = true
		out = append(out, object.TreeEntry{Name: k.name, Mode: res.mode, Hash: res.hash})
	}
	if len(out) == 0 {
		return plumbing.ZeroHash, nil
	}
	sort.Sort(object.TreeEntrySorter(out))
	obj := m.s.storer.NewEncodedObject()
	if err := (&object.Tree{Entries: out}).Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	if h := obj.Hash(); h == ours || h == theirs || h == base {
		return h, nil
	}
	return m.s.storer.SetEncodedObject(obj)
}

// file merges a file both sides changed differently.
func (m *treeMerge) file(path string, b, o, t slot) (slot, error) {
	if m.resolve == nil {
		m.unresolved = append(m.unresolved, path)
		return o, nil
	}
	var content [3][]byte
	for i, sl := range []slot{b, o, t} {
		if sl.hash.IsZero() {
			continue
		}
		if sl.mode == filemode.Submodule {
			return slot{}, fmt.Errorf("%w: %s: cannot merge a submodule", ErrUnsupported, path)
		}
		data, err := m.s.ReadBlob(sl.hash)
		if err != nil {
			return slot{}, fmt.Errorf("merge %s: %w", path, err)
		}
		content[i] = data
	}
	m.resolved = append(m.resolved, path)
	data, err := m.resolve(path, content[0], content[1], content[2])
	if err != nil {
		return slot{}, fmt.Errorf("merge %s: %w", path, err)
	}
	if data == nil {
		return slot{}, nil
	}
	h, err := m.s.writeBlob(data)
	if err != nil {
		return slot{}, err
	}
	// Keep a side's mode (executable, symlink) where there is one.
	mode := o.mode
	if o.hash.IsZero() {
		mode = t.mode
	}
	return slot{h, mode}, nil
}

// MergeOptions controls Merge.
type MergeOptions struct {
	// Message is the merge commit's message; its subject must not be empty
	// when a merge commit is needed.
	Message Message
	// MessageFunc, when set, replaces Message. It is called after the
	// trees are merged, with what Merge did so far, so that it can name the
	// two sides and describe what Resolve did.
	MessageFunc func(MergeResult) Message
	// Resolve merges files both sides changed; nil makes them an
	// ErrMergeConflict.
	Resolve Resolver
	// Create makes the branch at theirs when it does not exist yet.
	Create bool
	// AllowUnrelated merges histories with no common ancestor, as if their
	// base were empty. Without it they are ErrUnrelatedHistories: usually
	// someone started memory before fetching the team's.
	AllowUnrelated bool
	// Now is the commit time when GIT_*_DATE do not say; time.Now if nil.
	Now func() time.Time
}

// MergeResult is what Merge did.
type MergeResult struct {
	Commit      plumbing.Hash // the tip after the merge
	Parent      plumbing.Hash // the tip before it (zero when created)
	Base        plumbing.Hash // the merge base (zero for unrelated histories)
	UpToDate    bool          // theirs was already in the branch: nothing done
	FastForward bool          // the branch moved to theirs: no merge commit
	Created     bool          // the branch was created at theirs
	Resolved    []string      // the paths passed to Resolve
}

// Merge merges commit theirs (typically a remote-tracking tip) into the
// memory branch under the ref lock, so that a save running at the same time
// is either merged too or builds on the merge. If theirs is already in the
// branch nothing happens; if the branch is an ancestor of theirs it
// fast-forwards; otherwise it commits a merge with two parents, the branch
// tip first, whose tree is MergeTrees of the two tips and their base.
func (s *Store) Merge(ctx context.Context, theirs plumbing.Hash, opts MergeOptions) (MergeResult, error) {
	if err := ctx.Err(); err != nil {
		return MergeResult{}, err
	}
	theirsCommit, err := s.commitObject(theirs)
	if err != nil {
		return MergeResult{}, fmt.Errorf("merge %s: %w", theirs, err)
	}
	lock, err := s.lockRef(ctx, s.ref)
	if err != nil {
		return MergeResult{}, err
	}
	res, err := s.mergeLocked(ctx, lock, theirsCommit, opts)
	if err != nil {
		lock.release()
	}
	return res, err
}

func (s *Store) mergeLocked(ctx context.Context, lock *refLock, theirs *object.Commit, opts MergeOptions) (MergeResult, error) {
	tip, err := s.readRef(s.ref)
	if err != nil {
		return MergeResult{}, err
	}
	res := MergeResult{Parent: tip}
	if tip.IsZero() {
		if !opts.Create {
			return MergeResult{}, fmt.Errorf("%w: %s", ErrNoBranch, s.ref)
		}
		res.Created, res.FastForward = true, true
		r, err := s.finish(lock, Result{}, theirs.Hash, "branch: created from "+theirs.Hash.String())
		res.Commit = r.Commit
		return res, err
	}
	ours, err := s.commitObject(tip)
	if err != nil {
		return MergeResult{}, fmt.Errorf("%s: %w", s.ref, err)
	}
	if res.Base, err = s.MergeBase(ctx, tip, theirs.Hash); err != nil {
		return MergeResult{}, err
	}
	switch {
	case res.Base == theirs.Hash:
		lock.release()
		res.UpToDate, res.Commit = true, tip
		return res, nil
	case res.Base == tip:
		res.FastForward = true
		r, err := s.finish(lock, Result{Parent: tip}, theirs.Hash, "merge "+theirs.Hash.String()+": fast-forward")
		res.Commit = r.Commit
		return res, err
	case res.Base.IsZero() && !opts.AllowUnrelated:
		return MergeResult{}, fmt.Errorf("%w: %s and %s", ErrUnrelatedHistories, tip, theirs.Hash)
	}
	baseTree := plumbing.ZeroHash
	if !res.Base.IsZero() {
		b, err := s.commitObject(res.Base)
		if err != nil {
			return MergeResult{}, err
		}
		baseTree = b.TreeHash
	}
	tree, resolved, err := s.MergeTrees(ctx, baseTree, ours.TreeHash, theirs.TreeHash, opts.Resolve)
	res.Resolved = resolved
	if err != nil {
		return res, err
	}
	msg := opts.Message
	if opts.MessageFunc != nil {
		msg = opts.MessageFunc(res)
	}
	if strings.TrimSpace(msg.Subject) == "" {
		return res, fmt.Errorf("merge commit message has no subject")
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	author, committer, err := s.signatures(ctx, now())
	if err != nil {
		return res, err
	}
	c := &object.Commit{
		Author:       author,
		Committer:    committer,
		Message:      msg.String(),
		TreeHash:     tree,
		ParentHashes: []plumbing.Hash{tip, theirs.Hash},
	}
	obj := s.storer.NewEncodedObject()
	if err := c.Encode(obj); err != nil {
		return res, err
	}
	h, err := s.storer.SetEncodedObject(obj)
	if err != nil {
		return res, err
	}
	r, err := s.finish(lock, Result{Parent: tip}, h, "memgit: "+oneLine(msg.Subject))
	res.Commit = r.Commit
	return res, err
}
