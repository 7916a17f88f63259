package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/memgit/memgit/format"
	"github.com/memgit/memgit/gitstore"
	"github.com/memgit/memgit/index"
	"github.com/spf13/cobra"
)

type forgetOptions struct {
	*app
	dryRun bool
	purge  bool
}

func newForgetCmd(a *app) *cobra.Command {
	opts := &forgetOptions{app: a}
	cmd := &cobra.Command{
		Use:   "forget <session|checkpoint|memory>... [--dry-run] [--purge]",
		Short: "Remove sessions or memories from memory",
		Long: `Remove sessions (by id or unique prefix, with their kept transcripts),
checkpoints, or named memories (mem:topic/name) from the tip of the memory
branch with one "forget" commit. History keeps them, as git does.

--purge also rewrites the memory branch's history so that the content is gone
from every commit (for a leaked secret), and says how to replace the remote's
branch and what teammates must do. Commits before the first mention keep their
hashes. --dry-run only says what would be removed.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("%s needs at least one session, checkpoint or memory", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runForget(cmd.Context(), opts, args)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.dryRun, "dry-run", false, "say what would be removed, change nothing")
	f.BoolVar(&opts.purge, "purge", false, "also remove it from every commit of the memory branch")
	return cmd
}

// forgetOutput is what forget prints with --json.
type forgetOutput struct {
	Paths  []string     `yaml:"paths"`
	DryRun bool         `yaml:"dry_run"`
	Commit string       `yaml:"commit,omitempty"`
	Purge  *purgeOutput `yaml:"purge,omitempty"`
}

type purgeOutput struct {
	Old       string `yaml:"old"`
	New       string `yaml:"new"`
	Commits   int    `yaml:"commits"`
	Rewritten int    `yaml:"rewritten"`
	Dropped   int    `yaml:"dropped"`
}

// target is one thing to forget: the paths it has on the branch.
type target struct {
	arg     string // how forget names it
	name    string
	session string // its id, for the commit's trailer
	paths   []string
}

func runForget(ctx context.Context, opts *forgetOptions, args []string) error {
	s, snap, err := opts.openTip(ctx)
	if err != nil {
		return err
	}
	var targets []target
	for _, arg := range args {
		t, err := findTarget(ctx, s, snap, arg, opts.purge)
		if err != nil {
			return err
		}
		targets = append(targets, t)
	}
	var paths []string
	for _, t := range targets {
		paths = append(paths, t.paths...)
	}
	out := forgetOutput{Paths: paths, DryRun: opts.dryRun}
	if opts.purge {
		err = opts.runPurge(ctx, s, targets, &out)
	} else {
		err = opts.forgetAtTip(ctx, s, targets, &out)
	}
	if err != nil {
		return err
	}
	if opts.json {
		return printJSON(opts.out, out)
	}
	return nil
}

// forgetAtTip removes the targets from the tip with one commit.
func (opts *forgetOptions) forgetAtTip(ctx context.Context, s *gitstore.Store, targets []target, out *forgetOutput) error {
	if opts.dryRun {
		if !opts.json {
			for _, p := range out.Paths {
				fmt.Fprintf(opts.out, "would remove %s\n", p)
			}
		}
		return nil
	}
	res, err := s.Update(ctx, gitstore.UpdateOptions{Now: opts.now}, func(tx *gitstore.Tx) error {
		for _, p := range out.Paths {
			if err := tx.Delete(p); err != nil {
				return err
			}
		}
		tx.Message = forgetMessage("Forget", targets)
		return nil
	})
	if err != nil {
		return err
	}
	out.Commit = res.Commit.String()
	if !opts.json {
		for _, p := range out.Paths {
			fmt.Fprintf(opts.out, "removed %s\n", p)
		}
		fmt.Fprintf(opts.err, "forgotten in %s; history still has it ('memgit forget --purge' removes it from history too)\n", abbrev(res.Commit))
	}
	return nil
}

// runPurge rewrites the branch without the targets, then commits a marker
// that names what was purged, so that history says why it was rewritten.
func (opts *forgetOptions) runPurge(ctx context.Context, s *gitstore.Store, targets []target, out *forgetOutput) error {
	res, err := s.Purge(ctx, gitstore.PurgeOptions{Paths: out.Paths, DryRun: opts.dryRun})
	if err != nil {
		return err
	}
	out.Purge = &purgeOutput{Old: res.Old.String(), New: res.New.String(), Commits: res.Total, Rewritten: res.Rewritten, Dropped: res.Dropped}
	if opts.dryRun {
		if !opts.json {
			for _, p := range out.Paths {
				fmt.Fprintf(opts.out, "would purge %s\n", p)
			}
			fmt.Fprintf(opts.out, "would rewrite %d of %d commits of %s and drop %d left empty\n", res.Rewritten, res.Total, s.Ref().Short(), res.Dropped)
		}
		return nil
	}
	// The row cache may hold titles of what was purged.
	if err := index.Drop(s.GitDir()); err != nil {
		fmt.Fprintf(opts.err, "warning: %v\n", err)
	}
	marker, err := s.Update(ctx, gitstore.UpdateOptions{Now: opts.now, AllowEmpty: true}, func(tx *gitstore.Tx) error {
		tx.Message = forgetMessage("Purge", targets)
		for _, p := range out.Paths {
			tx.Message.Trailers = append(tx.Message.Trailers, gitstore.Trailer{Key: "Memgit-Purged", Value: p})
		}
		return nil
	})
	if err != nil {
		return err
	}
	out.Commit = marker.Commit.String()
	if !opts.json {
		for _, p := range out.Paths {
			fmt.Fprintf(opts.out, "purged %s\n", p)
		}
		fmt.Fprintf(opts.out, "rewrote %d of %d commits of %s and dropped %d left empty; %s was %s, now %s\n",
			res.Rewritten, res.Total, s.Ref().Short(), res.Dropped, s.Ref().Short(), abbrev(res.Old), abbrev(marker.Commit))
	}
	// What is left to do goes to stderr, with --json too.
	opts.purgeInstructions(ctx, s, targets)
	return nil
}

// purgeInstructions says what memgit will not do by itself: replacing the
// remote's branch is a force-push, and teammates' clones still have the
// old history.
func (opts *forgetOptions) purgeInstructions(ctx context.Context, s *gitstore.Store, targets []target) {
	remote, err := s.DefaultRemote(ctx)
	if err != nil {
		remote = "origin"
	}
	ref := s.Ref().String()
	branch := s.Ref().Short()
	w := opts.err
	fmt.Fprintf(w, `
The old commits are still in this repository, in remote-tracking refs and
reflogs, and on the remote. To finish the purge:

 1. Replace the remote's branch (a force-push, which memgit never does itself;
    the lease refuses if a teammate pushed since your last fetch):
      git push --force-with-lease=%[3]s:refs/remotes/%[1]s/%[2]s %[1]s %[3]s:%[3]s
 2. Drop the old objects here:
      git reflog expire --expire=now --all && git gc --prune=now
 3. Every teammate, before saving or syncing again, runs the same
      memgit forget --purge %[4]s
    then 'memgit sync': their rewritten history matches yours commit for
    commit, so nothing comes back. Anyone who syncs without purging brings
    the content back, from their copy of the old history.
 4. Hosting services may keep unreachable commits (pull request refs,
    caches) until their own cleanup. Rotate a leaked secret in any case.
`, remote, branch, ref, strings.Join(targetArgs(targets), " "))
}

// targetArgs names the targets as forget's arguments.
func targetArgs(targets []target) []string {
	args := make([]string, len(targets))
	for i, t := range targets {
		args[i] = t.arg
	}
	return args
}

// findTarget resolves what one argument names: a session (by id or unique
// prefix, with its kept transcript), a checkpoint, or a memory. For a purge
// a session no longer at the tip is looked up in history by its id.
func findTarget(ctx context.Context, s *gitstore.Store, snap *gitstore.Snapshot, arg string, history bool) (target, error) {
	if name, ok := memoryName(arg); ok {
		p := "memories/" + name + ".md"
		if err := gitstore.CheckPath(p); err != nil {
			return target{}, usagef("memory %q: %w", arg, err)
		}
		if _, err := snap.Stat(p); err != nil && !history {
			return target{}, fmt.Errorf("%w: no memory %q", errNoSuchDocument, name)
		}
		return target{arg: "mem:" + name, name: "memory " + name, paths: []string{p}}, nil
	}
	if e, err := resolveSession(ctx, snap, arg); err == nil {
		return sessionTarget(snap, e.Path), nil
	} else if !errors.Is(err, errNoSuchDocument) {
		return target{}, err
	}
	if e, err := resolveDoc(ctx, snap, format.CheckpointsDir, "checkpoint", arg); err == nil {
		id := strings.TrimSuffix(e.Name, ".yaml")
		return target{arg: id, name: "checkpoint " + id, paths: []string{e.Path}}, nil
	} else if !errors.Is(err, errNoSuchDocument) {
		return target{}, err
	}
	if history && format.CheckID(arg) == nil {
		if p, err := sessionInHistory(ctx, s, arg); err == nil {
			return sessionTarget(nil, p), nil
		} else if !errors.Is(err, errNoSuchDocument) {
			return target{}, err
		}
	}
	return target{}, fmt.Errorf("%w: no session, checkpoint or memory %q", errNoSuchDocument, arg)
}

// sessionTarget is a session document and, when the tip has one, the
// transcript kept beside it.
func sessionTarget(snap *gitstore.Snapshot, path string) target {
	id := strings.TrimSuffix(path[strings.LastIndexByte(path, '/')+1:], ".yaml")
	t := target{arg: id, name: "session " + id, session: id, paths: []string{path}}
	transcript := "transcripts/" + strings.TrimSuffix(strings.TrimPrefix(path, format.SessionsDir+"/"), ".yaml") + ".jsonl"
	if snap != nil {
		if _, err := snap.Stat(transcript); err == nil {
			t.paths = append(t.paths, transcript)
		}
	}
	return t
}

// memoryName recognises a memory's name: "mem:topic/name", "topic/name.md"
// or "topic/name".
func memoryName(arg string) (string, bool) {
	name, prefixed := strings.CutPrefix(arg, "mem:")
	name, suffixed := strings.CutSuffix(name, ".md")
	if !prefixed && !suffixed && !strings.Contains(name, "/") {
		return "", false
	}
	return strings.TrimPrefix(name, "memories/"), name != ""
}

// sessionInHistory finds where a session that is no longer at the tip was
// kept, from the newest commit that saved it.
func sessionInHistory(ctx context.Context, s *gitstore.Store, id string) (string, error) {
	tip, err := s.Tip()
	if err != nil {
		return "", err
	}
	var path string
	err = s.Walk(ctx, tip, func(c *gitstore.CommitInfo) error {
		if !slices.Contains(c.Trailer("Memgit-Session"), id) {
			return nil
		}
		snap, err := s.Snapshot(ctx, c.Hash.String())
		if err != nil {
			return err
		}
		found, err := findSessions(ctx, snap, id, time.Time{})
		if err != nil || len(found) != 1 || strings.TrimSuffix(found[0].Name, ".yaml") != id {
			return err
		}
		path = found[0].Path
		return gitstore.ErrStop
	})
	if err != nil {
		return "", err
	}
	if path == "" {
		return "", fmt.Errorf("%w: no session %q in the history of %s", errNoSuchDocument, id, s.Ref().Short())
	}
	return path, nil
}

// forgetMessage is the message of a forget or purge commit.
func forgetMessage(verb string, targets []target) gitstore.Message {
	names := make([]string, 0, len(targets))
	var body strings.Builder
	msg := gitstore.Message{Trailers: []gitstore.Trailer{{Key: "Memgit-Kind", Value: format.KindForget}}}
	for _, t := range targets {
		names = append(names, t.name)
		for _, p := range t.paths {
			body.WriteString(p + "\n")
		}
		if t.session != "" {
			msg.Trailers = append(msg.Trailers, gitstore.Trailer{Key: "Memgit-Session", Value: t.session})
		}
	}
	msg.Subject = verb + " " + strings.Join(names, ", ")
	msg.Body = body.String()
	return msg
}
