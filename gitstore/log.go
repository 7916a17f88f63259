package gitstore

import (
	"container/heap"
	"context"
	"errors"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ErrStop ends a Walk early without error.
var ErrStop = errors.New("stop walk")

// CommitInfo is a memory commit as Walk reports it.
type CommitInfo struct {
	Hash      plumbing.Hash
	Parents   []plumbing.Hash
	Author    object.Signature
	Committer object.Signature
	Message   Message
}

// Trailer returns the values of the trailers named key.
func (c *CommitInfo) Trailer(key string) []string {
	var out []string
	for _, t := range c.Message.Trailers {
		if strings.EqualFold(t.Key, key) {
			out = append(out, t.Value)
		}
	}
	return out
}

// CommitInfo reads one commit.
func (s *Store) CommitInfo(h plumbing.Hash) (*CommitInfo, error) {
	c, err := s.commitObject(h)
	if err != nil {
		return nil, err
	}
	return &CommitInfo{Hash: h, Parents: c.ParentHashes, Author: c.Author, Committer: c.Committer, Message: ParseMessage(c.Message)}, nil
}

// Walk visits the commits reachable from from, newest committer time first
// (git log's default order), each once, until fn returns ErrStop or an
// error. It decodes commits only, never trees, so it stays cheap on long
// histories; callers stop it as soon as they have what they need.
func (s *Store) Walk(ctx context.Context, from plumbing.Hash, fn func(*CommitInfo) error) error {
	return s.WalkSince(ctx, from, plumbing.ZeroHash, fn)
}

// WalkSince is Walk over the commits reachable from from but not from base
// (git's "base..from"): from a tip and its merge base with another, the
// commits only that tip has. Commits reachable from base are painted as the
// walk meets them and it stops once only those are left, so its cost is
// that of the commits since the histories diverged. A zero base walks all.
func (s *Store) WalkSince(ctx context.Context, from, base plumbing.Hash, fn func(*CommitInfo) error) error {
	if from == base {
		return nil
	}
	seen := map[plumbing.Hash]bool{from: true}
	hidden := map[plumbing.Hash]bool{}
	q := &commitQueue{}
	first, err := s.CommitInfo(from)
	if err != nil {
		return err
	}
	heap.Push(q, first)
	if !base.IsZero() {
		b, err := s.CommitInfo(base)
		if err != nil {
			return err
		}
		seen[base], hidden[base] = true, true
		heap.Push(q, b)
	}
	for q.Len() > 0 && q.wanted(hidden) {
		if err := ctx.Err(); err != nil {
			return err
		}
		c := heap.Pop(q).(*CommitInfo)
		if hidden[c.Hash] {
			for _, p := range c.Parents {
				hidden[p] = true
			}
		} else if err := fn(c); err != nil {
			if errors.Is(err, ErrStop) {
				return nil
			}
			return err
		}
		for _, p := range c.Parents {
			if seen[p] {
				continue
			}
			seen[p] = true
			pc, err := s.CommitInfo(p)
			if err != nil {
				return err
			}
			heap.Push(q, pc)
		}
	}
	return nil
}

type commitQueue []*CommitInfo

func (q commitQueue) Len() int { return len(q) }
func (q commitQueue) Less(i, j int) bool {
	return q[i].Committer.When.After(q[j].Committer.When)
}
func (q commitQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }

// wanted reports whether any queued commit is not hidden: a walk that has
// only hidden commits left has nothing more to show.
func (q commitQueue) wanted(hidden map[plumbing.Hash]bool) bool {
	for _, c := range q {
		if !hidden[c.Hash] {
			return true
		}
	}
	return false
}
func (q *commitQueue) Push(x any) { *q = append(*q, x.(*CommitInfo)) }
func (q *commitQueue) Pop() any {
	old := *q
	c := old[len(old)-1]
	*q = old[:len(old)-1]
	return c
}

// ParseMessage splits a commit message into subject, body and trailers
// (the last paragraph, when every line of it is "Key: value").
func ParseMessage(msg string) Message {
	msg = strings.TrimRight(msg, "\n")
	subject, rest, _ := strings.Cut(msg, "\n")
	m := Message{Subject: strings.TrimSpace(subject)}
	rest = strings.Trim(rest, "\n")
	paras := strings.Split(rest, "\n\n")
	last := paras[len(paras)-1]
	var trailers []Trailer
	for _, line := range strings.Split(last, "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			trailers = nil
			break
		}
		trailers = append(trailers, Trailer{Key: k, Value: strings.TrimSpace(v)})
	}
	if len(trailers) > 0 {
		m.Trailers = trailers
		paras = paras[:len(paras)-1]
	}
	m.Body = strings.TrimSpace(strings.Join(paras, "\n\n"))
	return m
}
