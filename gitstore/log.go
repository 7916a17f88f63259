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

// WalkSince is Walk that neither visits base nor goes past it: from a tip
// and its merge base with another, the commits only that tip has (in
// histories whose other paths also meet at base; a criss-cross merge may
// show a few more).
func (s *Store) WalkSince(ctx context.Context, from, base plumbing.Hash, fn func(*CommitInfo) error) error {
	if from == base {
		return nil
	}
	seen := map[plumbing.Hash]bool{from: true, base: true}
	q := &commitQueue{}
	first, err := s.CommitInfo(from)
	if err != nil {
		return err
	}
	heap.Push(q, first)
	for q.Len() > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		c := heap.Pop(q).(*CommitInfo)
		if err := fn(c); err != nil {
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
func (q *commitQueue) Push(x any)   { *q = append(*q, x.(*CommitInfo)) }
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
