package gitstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Trailer is one "Key: value" line at the end of a commit message.
type Trailer struct {
	Key, Value string
}

// Message is a commit message: a human subject line, an optional body and
// trailers that make history queryable without memgit.
type Message struct {
	Subject  string
	Body     string
	Trailers []Trailer
}

// String renders the message as git stores it.
func (m Message) String() string {
	var b strings.Builder
	b.WriteString(oneLine(m.Subject))
	b.WriteString("\n")
	if body := strings.TrimSpace(m.Body); body != "" {
		b.WriteString("\n" + body + "\n")
	}
	if len(m.Trailers) > 0 {
		b.WriteString("\n")
		for _, t := range m.Trailers {
			b.WriteString(oneLine(t.Key) + ": " + oneLine(t.Value) + "\n")
		}
	}
	return b.String()
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r < 0x20 && r != '\t' {
			return ' '
		}
		return r
	}, s)
}

// Tx is one update of the memory branch: writes and deletes applied to the
// tip as one commit. Reads see the tip as it is under the lock, plus the
// transaction's own writes.
type Tx struct {
	base    *Snapshot // nil when the branch is being created empty
	changes map[string][]byte
	// Message is the commit message; its subject must not be empty.
	Message Message
}

// Put writes data at path.
func (tx *Tx) Put(path string, data []byte) error {
	if err := CheckPath(path); err != nil {
		return err
	}
	if data == nil {
		data = []byte{}
	}
	tx.changes[path] = data
	return nil
}

// Delete removes path; deleting a missing path is not an error.
func (tx *Tx) Delete(path string) error {
	if err := CheckPath(path); err != nil {
		return err
	}
	tx.changes[path] = nil
	return nil
}

// Read returns the file at path as this transaction would leave it.
func (tx *Tx) Read(path string) ([]byte, error) {
	if d, ok := tx.changes[path]; ok {
		if d == nil {
			return nil, fmt.Errorf("%s: %w", path, ErrNotFound)
		}
		return d, nil
	}
	if tx.base == nil {
		return nil, fmt.Errorf("%s: %w", path, ErrNotFound)
	}
	return tx.base.Read(path)
}

// Base is the snapshot the transaction applies to; nil for a new branch.
func (tx *Tx) Base() *Snapshot { return tx.base }

// UpdateOptions controls Update.
type UpdateOptions struct {
	// Create allows making the branch when it does not exist, starting from
	// From (a teammate's memory), or as a new root when From is zero.
	// Without it a missing branch is ErrNoBranch: a branch is never
	// re-created from nothing by accident.
	Create bool
	From   plumbing.Hash
	// Now is the commit time when GIT_*_DATE do not say; time.Now if nil.
	Now func() time.Time
	// AllowEmpty commits even when fn changed nothing: a marker commit,
	// such as the one a purge adds to say what it removed.
	AllowEmpty bool
}

// Result is what Update did.
type Result struct {
	Commit  plumbing.Hash // the tip after the update
	Parent  plumbing.Hash // the tip before it (zero for a new branch)
	Changed bool          // false when the writes changed nothing: no commit
	Created bool          // the branch was created
}

// Update runs fn against the branch tip under the ref lock and commits what
// it wrote as one commit, or nothing when the tree is unchanged. Holding
// git's <ref>.lock from reading the tip to renaming the new value into place
// makes the read-merge-write atomic across processes: a concurrent writer
// waits, then builds on this commit, so no save is lost.
func (s *Store) Update(ctx context.Context, opts UpdateOptions, fn func(tx *Tx) error) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	lock, err := s.lockRef(ctx, s.ref)
	if err != nil {
		return Result{}, err
	}
	res, err := s.updateLocked(ctx, lock, opts, fn)
	if err != nil {
		lock.release()
	}
	return res, err
}

func (s *Store) updateLocked(ctx context.Context, lock *refLock, opts UpdateOptions, fn func(tx *Tx) error) (Result, error) {
	tip, err := s.readRef(s.ref)
	if err != nil {
		return Result{}, err
	}
	res := Result{Parent: tip}
	start := tip
	if tip.IsZero() {
		if !opts.Create {
			return Result{}, fmt.Errorf("%w: %s", ErrNoBranch, s.ref)
		}
		res.Created = true
		start = opts.From
	}
	tx := &Tx{changes: map[string][]byte{}}
	baseTree := plumbing.ZeroHash
	if !start.IsZero() {
		snap, err := s.snapshotAt(start)
		if errors.Is(err, ErrNotFound) && start == tip {
			// The ref exists but names no commit: a broken branch, not a
			// missing one.
			return Result{}, fmt.Errorf("%w: %s: %v", ErrCorrupt, s.ref, err)
		}
		if err != nil {
			return Result{}, err
		}
		tx.base, baseTree = snap, snap.tree
	}
	if err := fn(tx); err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	changes := make([]change, 0, len(tx.changes))
	for p, d := range tx.changes {
		changes = append(changes, change{path: p, data: d})
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].path < changes[j].path })
	tree, err := s.applyChanges(baseTree, changes)
	if err != nil {
		return Result{}, err
	}
	if tree == baseTree && !start.IsZero() && (res.Created || !opts.AllowEmpty) {
		if res.Created {
			// Start the branch at From itself: nothing of ours to add.
			return s.finish(lock, res, start, "branch: created from "+start.String())
		}
		lock.release()
		res.Commit = tip
		return res, nil
	}
	if tree.IsZero() {
		tree, err = s.emptyTree()
		if err != nil {
			return Result{}, err
		}
	}
	if strings.TrimSpace(tx.Message.Subject) == "" {
		return Result{}, fmt.Errorf("commit message has no subject")
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	author, committer, err := s.signatures(ctx, now())
	if err != nil {
		return Result{}, err
	}
	c := &object.Commit{
		Author:    author,
		Committer: committer,
		Message:   tx.Message.String(),
		TreeHash:  tree,
	}
	if !start.IsZero() {
		c.ParentHashes = []plumbing.Hash{start}
	}
	obj := s.storer.NewEncodedObject()
	if err := c.Encode(obj); err != nil {
		return Result{}, err
	}
	h, err := s.storer.SetEncodedObject(obj)
	if err != nil {
		return Result{}, err
	}
	res.Changed = true
	return s.finish(lock, res, h, "memgit: "+oneLine(tx.Message.Subject))
}

// Replace moves the branch from old to new, another history, when nothing
// moved it since the caller looked: for a branch that holds nothing of its
// own yet (a fresh init) and should start from a teammate's memory instead.
// A branch that is no longer at old is ErrConflict and is left alone.
func (s *Store) Replace(ctx context.Context, old, new plumbing.Hash, why string) (Result, error) {
	if _, err := s.commitObject(new); err != nil {
		return Result{}, fmt.Errorf("replace %s: %w", s.ref, err)
	}
	lock, err := s.lockRef(ctx, s.ref)
	if err != nil {
		return Result{}, err
	}
	tip, err := s.readRef(s.ref)
	if err == nil && tip != old {
		err = fmt.Errorf("%w: %s is at %s, not %s", ErrConflict, s.ref, tip, old)
	}
	if err != nil {
		lock.release()
		return Result{}, err
	}
	return s.finish(lock, Result{Parent: old, Changed: true}, new, why)
}

// finish records the update in the reflog and moves the ref to h, releasing
// the lock. As in git, the reflog is written under the lock, so concurrent
// writers' entries come in the order of their ref updates.
func (s *Store) finish(lock *refLock, res Result, h plumbing.Hash, why string) (Result, error) {
	s.appendReflog(res.Parent, h, why)
	if err := lock.commit(h); err != nil {
		return Result{}, fmt.Errorf("update %s: %w", s.ref, err)
	}
	res.Commit = h
	return res, nil
}

func (s *Store) emptyTree() (plumbing.Hash, error) {
	obj := s.storer.NewEncodedObject()
	if err := (&object.Tree{}).Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return s.storer.SetEncodedObject(obj)
}

// appendReflog adds a reflog entry in non-bare repositories (git's default,
// core.logAllRefUpdates) or where the ref already has a log. A failure here
// loses no data, so it is not an error.
func (s *Store) appendReflog(old, h plumbing.Hash, why string) {
	path := filepath.Join(s.gitDir, "logs", filepath.FromSlash(s.ref.String()))
	if _, err := os.Stat(path); err != nil && s.workTree == "" {
		return
	}
	// git records the committer in reflogs.
	_, committer, err := s.signatures(context.Background(), time.Now())
	if err != nil {
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
	if err != nil {
		return
	}
	defer f.Close()
	_, tz := committer.When.Zone()
	sign := '+'
	if tz < 0 {
		sign, tz = '-', -tz
	}
	fmt.Fprintf(f, "%s %s %s <%s> %d %c%02d%02d\t%s\n", old, h, oneLine(committer.Name), oneLine(committer.Email),
		committer.When.Unix(), sign, tz/3600, tz%3600/60, why)
}
