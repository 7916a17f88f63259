package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/memgit/memgit/agent"
	"github.com/memgit/memgit/format"
	"github.com/memgit/memgit/gitstore"
	"github.com/spf13/cobra"
)

type initOptions struct {
	*app
	agent  string
	remove bool
	global bool
}

func newInitCmd(a *app) *cobra.Command {
	opts := &initOptions{app: a}
	cmd := &cobra.Command{
		Use:   "init [--store DIR] [--ref NAME] [--agent claude [--global] [--remove]]",
		Short: "Create the memory branch (or a separate store)",
		Long: `Create the memory branch in the repository that contains the current
directory, or with --store a separate repository for memory. When a remote
already has a memory branch (a remote-tracking ref such as
refs/remotes/origin/memgit), the new branch starts from it: never a second,
unrelated history. Running init again changes nothing.

--agent claude also merges memgit's hooks (SessionStart, Stop, PreCompact,
SessionEnd) into .claude/settings.json, keeping everything already there, and
installs the /save and /restore commands; --agent gemini does the same for
Gemini CLI's .gemini/settings.json (SessionStart, AfterAgent, PreCompress,
SessionEnd). --global uses the user's settings instead, --remove takes it
all out again.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runInit(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.agent, "agent", "", "install the hooks and commands of `AGENT` (claude, gemini)")
	f.BoolVar(&opts.remove, "remove", false, "with --agent: remove memgit's hooks and commands")
	f.BoolVar(&opts.global, "global", false, "with --agent: the user's settings, not the repository's")
	return cmd
}

func runInit(ctx context.Context, opts *initOptions) error {
	switch strings.ToLower(opts.agent) {
	case "":
		if opts.remove || opts.global {
			return usagef("--remove and --global go with --agent")
		}
	case "claude", "claude-code", "gemini", "gemini-cli":
		in := agent.Claude
		if strings.HasPrefix(strings.ToLower(opts.agent), "gemini") {
			in = agent.Gemini
		}
		if err := installAgent(ctx, opts.app, in, opts.global, opts.remove); err != nil {
			return err
		}
		if opts.remove || opts.global {
			return nil
		}
	case "codex":
		return usagef("--agent codex: Codex CLI has no session hooks to install; save its sessions with 'memgit import codex' (for example from a shell alias after each run)")
	default:
		return usagef("--agent %q: unknown agent (claude, gemini, codex)", opts.agent)
	}
	storeDir, ref := opts.storeLocation(ctx)
	var s *gitstore.Store
	var err error
	if storeDir != "" {
		s, err = gitstore.Init(ctx, storeDir, gitstore.Options{Ref: ref})
		if err != nil {
			return err
		}
		if opts.store != "" {
			opts.hintStore(ctx, s.GitDir())
		}
	} else if s, err = opts.openStore(ctx); err != nil {
		return err
	}
	res, from, err := ensureBranch(ctx, s, opts.now)
	if err != nil {
		return err
	}
	where := s.GitDir()
	switch {
	case !res.Created:
		fmt.Fprintf(opts.err, "memory branch %s already exists in %s\n", s.Ref(), where)
	case from != "":
		fmt.Fprintf(opts.err, "created memory branch %s in %s from %s\n", s.Ref(), where, from)
	default:
		fmt.Fprintf(opts.err, "created memory branch %s in %s\n", s.Ref(), where)
	}
	return nil
}

// ensureBranch creates the memory branch when it does not exist: from the
// remote-tracking memory branch when the clone has one (that of the remote
// push and pull would use, preferred), else as a new history holding
// memgit.yaml. It reports which remote ref it started from.
func ensureBranch(ctx context.Context, s *gitstore.Store, now func() time.Time) (gitstore.Result, string, error) {
	if _, err := s.Tip(); err == nil {
		return gitstore.Result{}, "", nil
	} else if !errors.Is(err, gitstore.ErrNoBranch) {
		return gitstore.Result{}, "", err
	}
	remotes, err := s.RemoteTips()
	if err != nil {
		return gitstore.Result{}, "", err
	}
	var from plumbing.Hash
	var fromName string
	preferred := "origin"
	if len(remotes) > 0 {
		if name, err := s.DefaultRemote(ctx); err == nil {
			preferred = name
		}
	}
	if h, ok := remotes[preferred]; ok {
		from, fromName = h, preferred
	} else if len(remotes) > 0 {
		names := make([]string, 0, len(remotes))
		for n := range remotes {
			names = append(names, n)
		}
		sort.Strings(names)
		from, fromName = remotes[names[0]], names[0]
	}
	if fromName != "" {
		fromName = "refs/remotes/" + fromName + "/" + filepath.Base(s.Ref().String())
	}
	res, err := s.Update(ctx, gitstore.UpdateOptions{Create: true, From: from, Now: now}, func(tx *gitstore.Tx) error {
		if _, err := tx.Read(format.ConfigPath); err == nil {
			return nil
		}
		tx.Message = gitstore.Message{
			Subject:  "Start memgit memory",
			Trailers: []gitstore.Trailer{{Key: "Memgit-Kind", Value: "init"}},
		}
		return tx.Put(format.ConfigPath, format.ConfigFile())
	})
	return res, fromName, err
}

// hintStore tells how to make a separate store the default for the
// repository memgit runs in; memgit does not edit the user's config itself.
func (opts *initOptions) hintStore(ctx context.Context, storeGitDir string) {
	dir, err := opts.workDir()
	if err != nil {
		return
	}
	if _, ok := gitstore.DescribeWorkTree(ctx, dir); ok {
		fmt.Fprintf(opts.err, "to use this store from this repository without --store: git config memgit.store %s\n", storeGitDir)
	}
}
