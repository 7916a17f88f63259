package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/memgit/memgit/gitstore"
	"github.com/spf13/cobra"
)

// app holds what every command needs: streams, clock, environment and the
// global flags. Tests build one with their own streams.
type app struct {
	in       io.Reader
	out, err io.Writer
	now      func() time.Time
	getenv   func(string) string

	// global flags
	dir     string // -C
	store   string // --store
	ref     string // --ref
	json    bool   // --json
	noColor bool   // --no-color

	gitConfig map[string]string // read once per run
}

func newApp(in io.Reader, out, errw io.Writer) *app {
	return &app{in: in, out: out, err: errw, now: time.Now, getenv: os.Getenv}
}

// newRootCmd builds the command tree.
func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "memgit",
		Short: "Remember AI coding-agent sessions in git",
		Long: `memgit captures what happened in AI coding-agent sessions (Claude Code first)
from their transcripts and what the agent writes with /save, and commits it as
YAML documents on a memory branch (refs/heads/memgit) of your repository, or in
a separate store. History, diffs and sharing come from git itself.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	pf := root.PersistentFlags()
	pf.StringVarP(&a.dir, "dir", "C", "", "run as if memgit was started in `DIR`")
	pf.StringVar(&a.store, "store", "", "use the separate store repository at `DIR` (also MEMGIT_STORE, git config memgit.store)")
	pf.StringVar(&a.ref, "ref", "", "memory branch `NAME` (also MEMGIT_REF, git config memgit.ref; default memgit)")
	pf.BoolVar(&a.json, "json", false, "print data as JSON")
	pf.BoolVar(&a.noColor, "no-color", false, "do not color output (also NO_COLOR)")
	root.SetIn(a.in)
	root.SetOut(a.out)
	root.SetErr(a.err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	root.AddCommand(newInitCmd(a), newSaveCmd(a), newShowCmd(a), newLogCmd(a), newDiffCmd(a),
		newCheckpointCmd(a), newCheckpointsCmd(a), newRestoreCmd(a), newResumeCmd(a), newJobCmd(a), newHookCmd(a), newImportCmd(a), newDoctorCmd(a),
		newPushCmd(a), newPullCmd(a), newSyncCmd(a), newForgetCmd(a))
	return root
}

// run executes the command line and returns the process exit status.
func run(ctx context.Context, a *app, args []string) int {
	root := newRootCmd(a)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return reportError(a.err, err, ctx)
}

// workDir is the directory memgit runs in (-C, else the current one).
func (a *app) workDir() (string, error) {
	dir := a.dir
	if dir == "" {
		var err error
		if dir, err = os.Getwd(); err != nil {
			return "", err
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return "", usageErr(fmt.Errorf("-C %s: not a directory", dir))
	}
	return abs, nil
}

// config is git's configuration in the work dir, read once.
func (a *app) config(ctx context.Context) map[string]string {
	if a.gitConfig == nil {
		dir, err := a.workDir()
		if err == nil {
			a.gitConfig = gitstore.GitConfig(ctx, dir)
		}
		if a.gitConfig == nil {
			a.gitConfig = map[string]string{}
		}
	}
	return a.gitConfig
}

// storeLocation resolves where memory lives: --store, MEMGIT_STORE, git
// config memgit.store (a separate repository), else the repository that
// contains the work dir; and which branch: --ref, MEMGIT_REF, memgit.ref.
func (a *app) storeLocation(ctx context.Context) (storeDir, ref string) {
	cfg := a.config(ctx)
	storeDir = firstNonEmpty(a.store, a.getenv("MEMGIT_STORE"), cfg["memgit.store"])
	ref = firstNonEmpty(a.ref, a.getenv("MEMGIT_REF"), cfg["memgit.ref"])
	if storeDir != "" && !filepath.IsAbs(storeDir) && a.store != "" {
		if dir, err := a.workDir(); err == nil {
			storeDir = filepath.Join(dir, storeDir)
		}
	}
	return storeDir, ref
}

// openStore opens the memory store for this run.
func (a *app) openStore(ctx context.Context) (*gitstore.Store, error) {
	dir, err := a.workDir()
	if err != nil {
		return nil, err
	}
	storeDir, ref := a.storeLocation(ctx)
	opts := gitstore.Options{Ref: ref}
	if storeDir != "" {
		s, err := gitstore.Open(ctx, storeDir, opts)
		if err != nil {
			return nil, fmt.Errorf("open store %s: %w", storeDir, err)
		}
		return s, nil
	}
	opts.Config = a.config(ctx)
	s, err := gitstore.Discover(ctx, dir, opts)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// openTip opens the store and the memory branch's tip, for commands that
// read.
func (a *app) openTip(ctx context.Context) (*gitstore.Store, *gitstore.Snapshot, error) {
	s, err := a.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	snap, err := s.Snapshot(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	return s, snap, nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// noArgs rejects positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", cmd.CommandPath(), args[0])
	}
	return nil
}

// exactArgs requires n positional arguments, as a usage error otherwise.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s takes %d argument(s), got %d", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}
