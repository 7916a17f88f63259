package gitstore

import (
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
)

// purgeNode is one directory level of the paths to remove.
type purgeNode struct {
	remove   bool // this path goes, with everything below it
	children map[string]*purgeNode
}

func (n *purgeNode) add(path string) {
	for _, name := range strings.Split(path, "/") {
		if n.remove {
			return // a directory above is removed already
		}
		if n.children == nil {
			n.children = map[string]*purgeNode{}
		}
		c := n.children[name]
		if c == nil {
			c = &purgeNode{}
			n.children[name] = c
		}
		n = c
	}
	n.remove, n.children = true, nil
}

// purger is one purge's state: it removes the paths from trees and writes
// the new trees and commits. Like applyChanges it reads and rewrites only
// the trees on the paths and reuses every other subtree by hash; unlike it,
// it remembers each tree it has done (consecutive commits share most of
// theirs), lists the blobs it removes, and writes what it makes as packs,
// or on a dry run nothing.
type purger struct {
	s       *Store
	dryRun  bool
	memo    map[treeKey]plumbing.Hash // (paths at this level, old tree) -> new tree, zero when emptied
	listed  map[plumbing.Hash]bool    // removed trees whose blobs are in blobs
	blobs   map[plumbing.Hash]bool
	matched bool

	pending *memory.Storage        // new objects not yet in a pack
	queued  []plumbing.Hash        // their hashes, in the order made
	size    int64                  // their bytes
	stored  map[plumbing.Hash]bool // every object queued: a pack holds each once
}

func newPurger(s *Store, dryRun bool) *purger {
	return &purger{
		s: s, dryRun: dryRun,
		memo: map[treeKey]plumbing.Hash{}, listed: map[plumbing.Hash]bool{}, blobs: map[plumbing.Hash]bool{},
		pending: memory.NewStorage(), stored: map[plumbing.Hash]bool{},
	}
}

type treeKey struct {
	n *purgeNode
	h plumbing.Hash
}

// root purges a commit's tree; a tree left with nothing is the empty tree,
// since a commit must name one.
func (p *purger) root(n *purgeNode, h plumbing.Hash) (plumbing.Hash, error) {
	out, err := p.tree(n, h)
	if err != nil || !out.IsZero() {
		return out, err
	}
	return p.writeTree(nil)
}

func (p *purger) tree(n *purgeNode, h plumbing.Hash) (plumbing.Hash, error) {
	k := treeKey{n, h}
	if out, ok := p.memo[k]; ok {
		return out, nil
	}
	t, err := p.s.tree(h)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("%w: tree %s: %v", ErrCorrupt, h, err)
	}
	// Removing entries and replacing hashes keeps git's order: no sort.
	entries := make([]object.TreeEntry, 0, len(t.Entries))
	changed := false
	for _, e := range t.Entries {
		c := n.children[e.Name]
		switch {
		case c == nil:
		case c.remove:
			p.matched, changed = true, true
			if err := p.list(e); err != nil {
				return plumbing.ZeroHash, err
			}
			continue
		case e.Mode == filemode.Dir:
			// A path below a file ("a/b" where "a" is a file) leaves the file alone.
			sub, err := p.tree(c, e.Hash)
			if err != nil {
				return plumbing.ZeroHash, err
			}
			if sub != e.Hash {
				changed = true
				if sub.IsZero() {
					continue // a directory left empty disappears, as in git
				}
				e.Hash = sub
			}
		}
		entries = append(entries, e)
	}
	out := h
	switch {
	case !changed:
	case len(entries) == 0:
		out = plumbing.ZeroHash
	default:
		if out, err = p.writeTree(entries); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	p.memo[k] = out
	return out, nil
}

// list adds the blobs of a removed entry to p.blobs.
func (p *purger) list(e object.TreeEntry) error {
	switch e.Mode {
	case filemode.Submodule:
		return nil // a commit of another repository: nothing of ours
	case filemode.Dir:
	default:
		p.blobs[e.Hash] = true
		return nil
	}
	if p.listed[e.Hash] {
		return nil
	}
	p.listed[e.Hash] = true
	t, err := p.s.tree(e.Hash)
	if err != nil {
		return fmt.Errorf("%w: tree %s: %v", ErrCorrupt, e.Hash, err)
	}
	for _, sub := range t.Entries {
		if err := p.list(sub); err != nil {
			return err
		}
	}
	return nil
}

func (p *purger) writeTree(entries []object.TreeEntry) (plumbing.Hash, error) {
	obj := p.s.storer.NewEncodedObject()
	if err := (&object.Tree{Entries: entries}).Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return p.store(obj)
}

// packBatch bounds the new objects held in memory before they are written
// as a pack.
const packBatch = 32 << 20

// store queues obj for the next pack, unless this is a dry run. A purge
// writes tens of thousands of objects; one loose file each costs more than
// the rest of the rewrite.
func (p *purger) store(obj plumbing.EncodedObject) (plumbing.Hash, error) {
	h := obj.Hash()
	if p.dryRun || p.stored[h] {
		return h, nil
	}
	if _, err := p.pending.SetEncodedObject(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	p.stored[h] = true
	p.queued = append(p.queued, h)
	if p.size += obj.Size(); p.size >= packBatch {
		return h, p.flush()
	}
	return h, nil
}

// flush writes the queued objects as one pack.
func (p *purger) flush() error {
	if len(p.queued) == 0 {
		return nil
	}
	w, err := p.s.storer.PackfileWriter()
	if err != nil {
		return fmt.Errorf("write pack: %w", err)
	}
	if _, err := packfile.NewEncoder(w, p.pending, false).Encode(p.queued, 10); err != nil {
		w.Close()
		return fmt.Errorf("write pack: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("write pack: %w", err)
	}
	p.pending, p.queued, p.size = memory.NewStorage(), nil, 0
	return nil
}
