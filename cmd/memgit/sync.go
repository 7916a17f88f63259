package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/memgit/memgit/format"
	"github.com/memgit/memgit/gitstore"
	"github.com/memgit/memgit/redact"
	"github.com/spf13/cobra"
)

// maxPushAttempts bounds push's fetch-merge-push loop when teammates keep
// pushing in between.
const maxPushAttempts = 5

type remoteOptions struct {
	*app
	pull, push     bool // what the command does: sync does both
	timeout        time.Duration
	allowUnrelated bool
}

const remoteHelp = `The remote is REMOTE, else git config memgit.remote, else the memory
branch's upstream, else the current branch's upstream, else origin (a separate
store uses its own remotes). Transport is the git binary, so credential
helpers, ssh settings and proxies work; it never prompts, and gives up after
--timeout.`

func newPushCmd(a *app) *cobra.Command {
	return newRemoteCmd(&remoteOptions{app: a, push: true}, "push", "Share the memory branch with a remote",
		`Push the memory branch to the remote. Never forced: when teammates pushed
first, push fetches their memory, merges it as pull does, and pushes again.`)
}

func newPullCmd(a *app) *cobra.Command {
	return newRemoteCmd(&remoteOptions{app: a, pull: true}, "pull", "Fetch teammates' memory and merge it",
		`Fetch the remote's memory branch into refs/remotes/REMOTE/memgit and merge
it: a fast-forward when possible, else a merge commit. Sessions are files of
their own, so most merges only combine them; a document changed on both sides
is merged field by field (written fields from both, lists unioned, the newer
updated_at wins a true conflict), and every value that lost is written into
the merge commit's message.`)
}

func newSyncCmd(a *app) *cobra.Command {
	return newRemoteCmd(&remoteOptions{app: a, pull: true, push: true}, "sync", "Pull, then push: both sides end with all memory",
		`Pull the remote's memory and merge it, then push the result.`)
}

func newRemoteCmd(opts *remoteOptions, name, short, long string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   name + " [REMOTE]",
		Short: short,
		Long:  long + "\n\n" + remoteHelp,
		Args:  remoteArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRemote(cmd.Context(), opts, args)
		},
	}
	f := cmd.Flags()
	f.DurationVar(&opts.timeout, "timeout", 5*time.Minute, "give up on the remote after `DURATION`")
	if opts.pull {
		f.BoolVar(&opts.allowUnrelated, "allow-unrelated", false, "merge a remote memory branch that shares no history with this one")
	}
	return cmd
}

func remoteArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 1 {
		return usagef("%s takes at most one remote, got %q", cmd.CommandPath(), args)
	}
	return nil
}

// syncOutput is what push, pull and sync print with --json.
type syncOutput struct {
	Remote string      `yaml:"remote"`
	Ref    string      `yaml:"ref"`
	Pull   *pullOutput `yaml:"pull,omitempty"`
	Push   *pushOutput `yaml:"push,omitempty"`
}

type pullOutput struct {
	// Result is up-to-date, fast-forward, created, merged, or
	// no-remote-branch.
	Result    string         `yaml:"result"`
	Fetched   string         `yaml:"fetched"`
	Commit    string         `yaml:"commit"`
	Merged    []string       `yaml:"merged_documents"`
	Conflicts []conflictNote `yaml:"conflicts"`
}

type pushOutput struct {
	Result   string `yaml:"result"` // pushed or up-to-date
	Commit   string `yaml:"commit"`
	Attempts int    `yaml:"attempts"`
	// Pulled are the pulls push made when the remote had moved on.
	Pulled []*pullOutput `yaml:"pulled"`
}

func runRemote(ctx context.Context, opts *remoteOptions, args []string) error {
	s, err := opts.openStore(ctx)
	if err != nil {
		return err
	}
	remote := ""
	if len(args) == 1 {
		remote = args[0]
	} else if remote, err = s.DefaultRemote(ctx); err != nil {
		return err
	}
	if opts.timeout <= 0 {
		return usagef("--timeout must be positive")
	}
	ctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()
	out := syncOutput{Remote: remote, Ref: s.Ref().String()}
	if opts.pull {
		p, err := opts.pullFrom(ctx, s, remote)
		if err != nil {
			return remoteErr(ctx, opts.timeout, err)
		}
		out.Pull = p
		opts.reportPull(remote, p)
	}
	if opts.push {
		p, pulls, err := opts.pushTo(ctx, s, remote)
		for _, pl := range pulls {
			opts.reportPull(remote, pl)
		}
		if err != nil {
			return remoteErr(ctx, opts.timeout, err)
		}
		p.Pulled = pulls
		if p.Pulled == nil {
			p.Pulled = []*pullOutput{}
		}
		out.Push = p
		if !opts.json {
			switch p.Result {
			case "up-to-date":
				fmt.Fprintf(opts.out, "%s already has %s at %s\n", remote, s.Ref().Short(), abbrev(plumbing.NewHash(p.Commit)))
			default:
				fmt.Fprintf(opts.out, "pushed %s to %s at %s\n", s.Ref().Short(), remote, abbrev(plumbing.NewHash(p.Commit)))
			}
		}
	}
	if opts.json {
		return printJSON(opts.out, out)
	}
	return nil
}

// remoteErr says what to do about the errors a remote operation can end with.
func remoteErr(ctx context.Context, timeout time.Duration, err error) error {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%w (gave up after %s; --timeout sets how long to wait)", err, timeout)
	case errors.Is(err, gitstore.ErrUnrelatedHistories):
		return fmt.Errorf("%w: one of them was started before the other was fetched; 'memgit pull --allow-unrelated' merges them", err)
	case errors.Is(err, gitstore.ErrNonFastForward):
		return fmt.Errorf("%w: teammates kept pushing while memgit merged; run 'memgit sync' again", err)
	}
	return err
}

func (opts *remoteOptions) reportPull(remote string, p *pullOutput) {
	if opts.json {
		return
	}
	w := opts.out
	switch p.Result {
	case "no-remote-branch":
		fmt.Fprintf(w, "%s has no memory branch yet\n", remote)
	case "up-to-date":
		fmt.Fprintf(w, "already up to date with %s\n", remote)
	case "created", "fast-forward":
		fmt.Fprintf(w, "updated memory from %s: %s (fast-forward)\n", remote, abbrev(plumbing.NewHash(p.Commit)))
	default:
		fmt.Fprintf(w, "merged memory from %s: %s", remote, abbrev(plumbing.NewHash(p.Commit)))
		if n := len(p.Merged); n > 0 {
			fmt.Fprintf(w, ", %d document(s) changed on both sides merged field by field", n)
		}
		fmt.Fprintln(w)
		for _, c := range p.Conflicts {
			fmt.Fprintf(opts.err, "conflict: %s\n", c)
		}
	}
}

// pullFrom fetches the remote's memory branch and merges it into the local
// one, creating the local branch from it when there is none.
func (opts *remoteOptions) pullFrom(ctx context.Context, s *gitstore.Store, remote string) (*pullOutput, error) {
	theirs, err := s.Fetch(ctx, remote)
	if errors.Is(err, gitstore.ErrNoBranch) {
		return &pullOutput{Result: "no-remote-branch"}, nil
	}
	if err != nil {
		return nil, err
	}
	if err := checkPurges(ctx, s, remote, theirs); err != nil {
		return nil, err
	}
	m := &memoryMerge{theirs: theirs, remote: remote, branch: s.Ref().Short()}
	res, err := s.Merge(ctx, theirs, gitstore.MergeOptions{
		Resolve:        m.resolve,
		MessageFunc:    m.message,
		Create:         true,
		AllowUnrelated: opts.allowUnrelated,
		Now:            opts.now,
	})
	if errors.Is(err, gitstore.ErrUnrelatedHistories) {
		// A branch that only holds what init wrote has nothing to keep:
		// start it from the team's memory rather than a second root.
		if tip, ok := onlyInitialized(ctx, s); ok {
			r, rerr := s.Replace(ctx, tip, theirs, "pull: start from "+remote)
			if rerr != nil {
				return nil, rerr
			}
			res, err = gitstore.MergeResult{Commit: r.Commit, Parent: tip, Created: true, FastForward: true}, nil
		}
	}
	if err != nil {
		return nil, err
	}
	p := &pullOutput{Fetched: theirs.String(), Commit: res.Commit.String(), Merged: res.Resolved, Conflicts: m.conflicts}
	switch {
	case res.UpToDate:
		p.Result = "up-to-date"
	case res.Created:
		p.Result = "created"
	case res.FastForward:
		p.Result = "fast-forward"
	default:
		p.Result = "merged"
	}
	if p.Merged == nil {
		p.Merged = []string{}
	}
	if p.Conflicts == nil {
		p.Conflicts = []conflictNote{}
	}
	return p, nil
}

// onlyInitialized reports whether the memory branch is a single commit
// holding only memgit.yaml, as init leaves it, and returns its tip.
func onlyInitialized(ctx context.Context, s *gitstore.Store) (plumbing.Hash, bool) {
	tip, err := s.Tip()
	if err != nil {
		return plumbing.ZeroHash, false
	}
	c, err := s.CommitInfo(tip)
	if err != nil || len(c.Parents) > 0 {
		return plumbing.ZeroHash, false
	}
	snap, err := s.Snapshot(ctx, tip.String())
	if err != nil {
		return plumbing.ZeroHash, false
	}
	entries, err := snap.List("")
	if err != nil || len(entries) != 1 || entries[0].Path != format.ConfigPath {
		return plumbing.ZeroHash, false
	}
	return tip, true
}

// checkPurges refuses to merge a remote that purged content from its
// history (forget --purge) while this clone's own commits still hold it:
// the merge, and the push after it, would bring the content back. Purging
// here first gives the same rewritten history, and the merge is clean.
func checkPurges(ctx context.Context, s *gitstore.Store, remote string, theirs plumbing.Hash) error {
	ours, err := s.Tip()
	if errors.Is(err, gitstore.ErrNoBranch) {
		return nil
	}
	if err != nil {
		return err
	}
	base, err := s.MergeBase(ctx, ours, theirs)
	if err != nil {
		return err
	}
	purged := map[string]plumbing.Hash{}
	err = s.WalkSince(ctx, theirs, base, func(c *gitstore.CommitInfo) error {
		for _, p := range c.Trailer("Memgit-Purged") {
			if _, ok := purged[p]; !ok && gitstore.CheckPath(p) == nil {
				purged[p] = c.Hash
			}
		}
		return nil
	})
	if err != nil || len(purged) == 0 {
		return err
	}
	return s.WalkSince(ctx, ours, base, func(c *gitstore.CommitInfo) error {
		snap, err := s.Snapshot(ctx, c.Hash.String())
		if err != nil {
			return err
		}
		for p, by := range purged {
			if _, err := snap.Stat(p); err == nil {
				return fmt.Errorf("%s purged %s from its history (%s), and this clone's memory still has it (%s): "+
					"run 'memgit forget --purge %s' here first, then sync again",
					remote, p, abbrev(by), abbrev(c.Hash), purgeArg(p))
			}
		}
		return nil
	})
}

// purgeArg is how forget names a purged path.
func purgeArg(p string) string {
	if rest, ok := strings.CutPrefix(p, "memories/"); ok {
		return "mem:" + strings.TrimSuffix(rest, ".md")
	}
	return strings.TrimSuffix(path.Base(p), path.Ext(p))
}

// pushTo pushes the memory branch; when the remote has commits it lacks, it
// pulls them and pushes again, a bounded number of times. It returns the
// pulls it made on the way.
func (opts *remoteOptions) pushTo(ctx context.Context, s *gitstore.Store, remote string) (*pushOutput, []*pullOutput, error) {
	var pulls []*pullOutput
	for attempt := 1; ; attempt++ {
		tip, err := s.Tip()
		if errors.Is(err, gitstore.ErrNoBranch) {
			return nil, pulls, fmt.Errorf("nothing to push: %w", err)
		}
		if err != nil {
			return nil, pulls, err
		}
		tips, err := s.RemoteTips()
		if err != nil {
			return nil, pulls, err
		}
		err = s.Push(ctx, remote, tip)
		if err == nil {
			result := "pushed"
			if tips[remote] == tip {
				result = "up-to-date"
			}
			return &pushOutput{Result: result, Commit: tip.String(), Attempts: attempt}, pulls, nil
		}
		if !errors.Is(err, gitstore.ErrNonFastForward) || attempt == maxPushAttempts {
			return nil, pulls, err
		}
		fmt.Fprintf(opts.err, "%s has memory this clone lacks; merging it first\n", remote)
		p, err := opts.pullFrom(ctx, s, remote)
		if err != nil {
			return nil, pulls, err
		}
		pulls = append(pulls, p)
	}
}

// memoryMerge resolves the documents both sides of a pull changed and
// writes the merge commit's message, with every value that lost.
type memoryMerge struct {
	theirs    plumbing.Hash
	remote    string
	branch    string
	conflicts []conflictNote
}

// conflictNote is one value a merge could not keep: the path, what was
// kept and from which side, and the value that lost.
type conflictNote struct {
	Path   string `yaml:"path"`
	Field  string `yaml:"field,omitempty"`
	Winner string `yaml:"winner"`
	Kept   string `yaml:"kept"`
	Lost   string `yaml:"lost"`
}

func (c conflictNote) String() string {
	where := c.Path
	if c.Field != "" {
		where += " " + c.Field
	}
	return fmt.Sprintf("%s: kept %s (%s), not %s", where, c.Kept, c.Winner, c.Lost)
}

// resolve merges a file both sides changed differently.
//
// A document removed on one side (forget, restore --reset) and changed on
// the other stays removed: forgetting must stick. The change is recorded
// as a conflict and stays in the history of the side that made it.
func (m *memoryMerge) resolve(p string, base, ours, theirs []byte) ([]byte, error) {
	switch {
	case ours == nil || theirs == nil:
		removed, changed := format.Ours, format.Theirs
		if theirs == nil {
			removed, changed = format.Theirs, format.Ours
		}
		m.conflicts = append(m.conflicts, conflictNote{Path: p, Winner: removed.String(),
			Kept: "removed", Lost: "the change made on " + changed.String()})
		return nil, nil
	case path.Ext(p) == ".yaml":
		out, conflicts, err := format.MergeDocuments(base, ours, theirs)
		if err != nil {
			return nil, err
		}
		for _, c := range conflicts {
			m.conflicts = append(m.conflicts, conflictNote{Path: p, Field: c.Field, Winner: c.Winner.String(), Kept: c.Kept, Lost: c.Lost})
		}
		return out, nil
	}
	// Text (memories, summaries, kept transcripts): a side that only
	// appended to the other's text holds both.
	switch {
	case bytes.HasPrefix(theirs, ours):
		return theirs, nil
	case bytes.HasPrefix(ours, theirs):
		return ours, nil
	}
	// Otherwise the same choice on every clone: the larger content, with
	// the other kept in the message.
	winner, kept, lost := format.Ours, ours, theirs
	if bytes.Compare(theirs, ours) > 0 {
		winner, kept, lost = format.Theirs, theirs, ours
	}
	m.conflicts = append(m.conflicts, conflictNote{Path: p, Winner: winner.String(), Kept: quoteText(kept), Lost: quoteText(lost)})
	return kept, nil
}

func quoteText(b []byte) string { return fmt.Sprintf("%q", b) }

// message is the merge commit's message: which documents were merged field
// by field, and every value that lost with the commit that still has it.
func (m *memoryMerge) message(res gitstore.MergeResult) gitstore.Message {
	var body strings.Builder
	if len(res.Resolved) > 0 {
		body.WriteString("Changed on both sides, merged field by field:\n")
		for _, p := range res.Resolved {
			body.WriteString("  " + p + "\n")
		}
	}
	if len(m.conflicts) > 0 {
		fmt.Fprintf(&body, "\nConflicts: the newer side won; the other value is below and in %s (ours) or %s (theirs):\n",
			abbrev(res.Parent), abbrev(m.theirs))
		for _, c := range m.conflicts {
			body.WriteString("  " + c.String() + "\n")
		}
	}
	r := redact.New()
	return gitstore.Message{
		Subject:  fmt.Sprintf("Merge %s/%s into %s", m.remote, m.branch, m.branch),
		Body:     r.String(body.String()),
		Trailers: []gitstore.Trailer{{Key: "Memgit-Kind", Value: format.KindMerge}},
	}
}
