package gitstore

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// Fetch and push go through the git binary when it is installed, not
// go-git: git brings the user's credential helpers, ssh configuration,
// proxies and URL rewrites, none of which go-git supports. Without git they
// fall back to go-git (remote_gogit.go), which can do less but behaves the
// same for the caller.

// lookGit finds the git binary; when it fails, Fetch and Push use go-git.
// Tests replace it to take the fallback.
var lookGit = func() (string, error) { return exec.LookPath("git") }

// Fetch copies the remote's memory branch into its remote-tracking ref
// (refs/remotes/<remote>/<branch>) and returns its commit. remote is the
// name of a configured remote. The tracking ref follows the remote even
// when the remote's branch was rewritten (forget --purge): merging, not
// fetching, is where memgit refuses to lose commits. When the remote has
// no memory branch the error wraps ErrNoBranch and the tracking ref is left
// as it was.
//
// Tags are not fetched and FETCH_HEAD is not written (git 2.29 or newer):
// the user's own fetches keep theirs. ctx bounds the whole transfer. Nothing
// prompts for a password: a remote that needs credentials nobody supplied
// is an error.
//
// Without the git binary Fetch and Push use go-git, which sends only the
// credentials written in the remote's URL (https://user:token@host/...):
// go-git has no credential helpers. It reads only the repository's own
// config, cannot reach a remote that is a local path and runs no pre-push
// hook.
func (s *Store) Fetch(ctx context.Context, remote string) (plumbing.Hash, error) {
	branch, tracking, err := s.remoteRefs(remote)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, lerr := lookGit(); lerr == nil {
		err = s.fetchGit(ctx, remote, branch, tracking)
	} else {
		err = s.fetchGoGit(ctx, remote, branch, tracking)
	}
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("fetch %s: %w", remote, err)
	}
	// A fetch may bring a new pack; let go-git's storer see it too.
	s.storer.ObjectStorage.Reindex()
	h, err := s.readRef(tracking)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if h.IsZero() {
		return plumbing.ZeroHash, fmt.Errorf("fetch %s: the fetch left no %s", remote, tracking)
	}
	return h, nil
}

func (s *Store) fetchGit(ctx context.Context, remote, branch string, tracking plumbing.ReferenceName) error {
	spec := "+" + s.ref.String() + ":" + tracking.String()
	_, err := s.runGit(ctx, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--", remote, spec)
	if err == nil {
		return nil
	}
	// git's "couldn't find remote ref" is translated: ask again in a way
	// that says so by exit status (2: no such ref).
	var ee *exec.ExitError
	if errors.As(err, &ee) && ctx.Err() == nil {
		if _, lerr := s.runGit(ctx, "ls-remote", "--exit-code", "--", remote, s.ref.String()); isExit(lerr, 2) {
			return fmt.Errorf("%w: the remote has no %s", ErrNoBranch, branch)
		}
	}
	return err
}

// Push makes commit the remote's memory branch, only if that is a
// fast-forward of it (or the remote has none yet): never forced. When the
// remote has commits that commit lacks the error wraps ErrNonFastForward and
// the remote is unchanged; fetch, merge and push again. On success the
// remote-tracking ref is set to commit, as git does for a configured remote.
// The user's pre-push hook runs, as for any push (not under go-git).
func (s *Store) Push(ctx context.Context, remote string, commit plumbing.Hash) error {
	_, tracking, err := s.remoteRefs(remote)
	if err != nil {
		return err
	}
	if commit.IsZero() {
		return fmt.Errorf("push %s: no commit to push", remote)
	}
	if _, lerr := lookGit(); lerr == nil {
		err = s.pushGit(ctx, remote, commit)
	} else {
		err = s.pushGoGit(ctx, remote, commit)
	}
	if err != nil {
		return fmt.Errorf("push %s: %w", remote, err)
	}
	// Best effort, as in git: the push itself succeeded.
	_ = s.setTracking(ctx, tracking, commit)
	return nil
}

func (s *Store) pushGit(ctx context.Context, remote string, commit plumbing.Hash) error {
	spec := commit.String() + ":" + s.ref.String()
	out, err := s.runGit(ctx, "push", "--porcelain", "--", remote, spec)
	// --porcelain prints one untranslated line per ref:
	// "<flag>\t<from>:<to>\t<summary> (<reason>)", flag '!' when rejected.
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		flag, rest, ok := strings.Cut(sc.Text(), "\t")
		refs, summary, _ := strings.Cut(rest, "\t")
		if !ok || !strings.HasSuffix(refs, ":"+s.ref.String()) || flag != "!" {
			continue
		}
		// A remote that moved between its advertisement and the update
		// (another push won the race) rejects the ref as a lock failure:
		// that too is "fetch, merge and push again".
		if strings.Contains(summary, "(non-fast-forward)") || strings.Contains(summary, "(fetch first)") ||
			strings.Contains(summary, "failed to update ref") || strings.Contains(summary, "cannot lock ref") {
			return ErrNonFastForward
		}
		if err == nil {
			return fmt.Errorf("rejected: %s", summary)
		}
		return fmt.Errorf("rejected: %s: %w", summary, err)
	}
	return err
}

// setTracking points a remote-tracking ref at h, under git's ref lock.
func (s *Store) setTracking(ctx context.Context, name plumbing.ReferenceName, h plumbing.Hash) error {
	if old, err := s.readRef(name); err == nil && old == h {
		return nil
	}
	lock, err := s.lockRef(ctx, name)
	if err != nil {
		return err
	}
	return lock.commit(h)
}

// remoteRefs checks a remote name and returns the branch's short name and
// its remote-tracking ref. Only configured remote names are accepted: a
// URL or path has no tracking ref, and a name starting with '-' would be
// an option to git.
func (s *Store) remoteRefs(remote string) (branch string, tracking plumbing.ReferenceName, err error) {
	branch, ok := strings.CutPrefix(s.ref.String(), "refs/heads/")
	if !ok {
		return "", "", fmt.Errorf("%w: %s is not a branch; only branches are shared", ErrBadRef, s.ref)
	}
	if remote == "" || strings.HasPrefix(remote, "-") || strings.Contains(remote, "/") {
		return "", "", fmt.Errorf("%w: remote name %q", ErrBadRef, remote)
	}
	tracking = plumbing.ReferenceName("refs/remotes/" + remote + "/" + branch)
	if err := checkRefName(tracking.String()); err != nil {
		return "", "", fmt.Errorf("remote name %q: %w", remote, err)
	}
	return branch, tracking, nil
}

// GitWaitDelay bounds how long a cancelled git may take to let go of its
// output (a helper such as ssh holding the pipe) before memgit stops
// waiting.
var GitWaitDelay = 5 * time.Second

// runGit runs git on the store's repository and returns its stdout. It never
// prompts: no terminal credential prompt, stdin empty and, on unix, no
// controlling terminal either (see detach). The user's ssh and askpass
// settings stay as they are. A failure's error carries git's stderr; a
// cancelled or expired ctx is reported as such.
func (s *Store) runGit(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"--git-dir=" + s.gitDir}, args...)...)
	// Relative remote paths in the config resolve against the top of the
	// working tree, as when the user runs git there.
	cmd.Dir = s.workTree
	if cmd.Dir == "" {
		cmd.Dir = s.gitDir
	}
	cmd.Env = gitEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = GitWaitDelay
	detach(cmd)
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	if cerr := ctx.Err(); cerr != nil {
		return stdout.Bytes(), fmt.Errorf("git %s: %w", args[0], cerr)
	}
	msg := strings.TrimSpace(stderr.String())
	if msg == "" {
		return stdout.Bytes(), fmt.Errorf("git %s: %w", args[0], err)
	}
	return stdout.Bytes(), fmt.Errorf("git %s: %s: %w", args[0], msg, err)
}

// gitEnv is the environment for git: the user's (credentials, proxies, ssh
// settings), without what would point git at another repository or object
// directory than the store's, and with terminal prompts off.
func gitEnv() []string {
	env := make([]string, 0, len(os.Environ())+1)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
			"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_PREFIX", "GIT_SHALLOW_FILE",
			"GIT_TERMINAL_PROMPT":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GIT_TERMINAL_PROMPT=0")
}

func isExit(err error, code int) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) && ee.ExitCode() == code
}
