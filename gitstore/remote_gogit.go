package gitstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/go-git/go-git/v5/storage/memory"
)

// Fetch and push through go-git, for machines without the git binary. The
// caller sees the same behaviour as through git (refspecs, no tags, never a
// forced push, ErrNoBranch, ErrNonFastForward, the tracking ref), except
// where go-git cannot do what git does:
//
//   - Credentials come only from the remote URL's userinfo
//     (https://user:token@host/...): go-git has no credential helpers
//     (go-git #28, #490, #1420). It never prompts either.
//   - ssh authenticates through ssh-agent only, reads little of
//     ~/.ssh/config and knows hosts from ~/.ssh/known_hosts.
//   - Only the repository's own config is read: remotes, their url and
//     pushurl, and its url.<base>.insteadOf rules; no global config, no
//     http.* or proxy settings besides the environment's.
//   - Local paths and file:// URLs are refused: go-git's file transport runs
//     git-upload-pack and git-receive-pack, which come with git.
//   - No pre-push hook runs.
//   - Before a push go-git walks every object reachable from every remote
//     ref the repository has (plumbing/revlist), slow in a large code
//     repository.

// fetchGoGit fetches the remote's branch with go-git and points the tracking
// ref at it.
func (s *Store) fetchGoGit(ctx context.Context, remote, branch string, tracking plumbing.ReferenceName) error {
	fetchURL, _, err := s.remoteURLs(remote)
	if err != nil {
		return err
	}
	// What the store has of the branch, for go-git to tell the remote which
	// commits not to send.
	refs := memory.ReferenceStorage{}
	if tip, err := s.readRef(s.ref); err == nil && !tip.IsZero() {
		refs[s.ref] = plumbing.NewHashReference(s.ref, tip)
	}
	tips, err := s.RemoteTips()
	if err != nil {
		return err
	}
	for r, h := range tips {
		name := plumbing.ReferenceName("refs/remotes/" + r + "/" + branch)
		refs[name] = plumbing.NewHashReference(name, h)
	}
	err = s.goGitRemote(remote, fetchURL, refs).FetchContext(ctx, &git.FetchOptions{
		RemoteName: remote,
		RemoteURL:  fetchURL,
		RefSpecs:   []config.RefSpec{config.RefSpec("+" + s.ref.String() + ":" + tracking.String())},
		Tags:       git.NoTags,
	})
	switch {
	case err == nil, errors.Is(err, git.NoErrAlreadyUpToDate):
	case ctx.Err() == nil && (errors.Is(err, git.NoMatchingRefSpecError{}) || errors.Is(err, transport.ErrEmptyRemoteRepository)):
		return fmt.Errorf("%w: the remote has no %s", ErrNoBranch, branch)
	default:
		return goGitError(ctx, fetchURL, err)
	}
	ref, err := refs.Reference(tracking)
	if err != nil {
		return fmt.Errorf("go-git: fetched no %s: %w", tracking, err)
	}
	return s.setTracking(ctx, tracking, ref.Hash())
}

// pushGoGit pushes commit to the memory branch of each of the remote's push
// URLs in turn, as git does.
func (s *Store) pushGoGit(ctx context.Context, remote string, commit plumbing.Hash) error {
	_, pushURLs, err := s.remoteURLs(remote)
	if err != nil {
		return err
	}
	// go-git pushes nothing, successfully, when it cannot find the commit.
	if _, err := s.decoded(commit, plumbing.CommitObject); err != nil {
		return fmt.Errorf("commit %s: %w", commit, err)
	}
	spec := config.RefSpec(commit.String() + ":" + s.ref.String())
	for _, u := range pushURLs {
		err := s.goGitRemote(remote, u, memory.ReferenceStorage{}).PushContext(ctx, &git.PushOptions{
			RemoteName: remote,
			RemoteURL:  u,
			RefSpecs:   []config.RefSpec{spec},
		})
		switch {
		case err == nil, errors.Is(err, git.NoErrAlreadyUpToDate):
		case ctx.Err() == nil && strings.HasPrefix(err.Error(), "non-fast-forward update: "):
			// go-git's own check (checkFastForwardUpdate in remote.go),
			// which has no sentinel error. It also refuses when the
			// remote's tip is a commit the store lacks, as git does.
			return ErrNonFastForward
		default:
			return goGitError(ctx, u, err)
		}
	}
	return nil
}

// goGitRemote is a go-git remote on the store's objects with refs of its
// own: refs holds the local refs go-git reads and the fetched ref it writes.
// go-git writes a ref by truncating the file in place
// (storage/filesystem/dotgit/dotgit_setref.go), so a concurrent reader can
// see it empty and git's <ref>.lock is ignored; and it lists every ref
// first, failing on another process's lock file. memgit writes the tracking
// ref itself, with git's lock protocol. The remote's config has no fetch
// refspecs, so that go-git updates no tracking ref after a push either.
func (s *Store) goGitRemote(name, u string, refs memory.ReferenceStorage) *git.Remote {
	return git.NewRemote(refOverlay{s.storer, refs}, &config.RemoteConfig{Name: name, URLs: []string{u}})
}

// refOverlay is a repository's storage with its references replaced:
// memory.ReferenceStorage's methods, one level up, win over those
// *filesystem.Storage has from its embedded ReferenceStorage.
type refOverlay struct {
	*filesystem.Storage
	memory.ReferenceStorage
}

// remoteURLs reads a remote's URLs from the repository's config as git uses
// them: it fetches from the first url and pushes to every pushurl, or to
// every url when there is none.
func (s *Store) remoteURLs(remote string) (fetchURL string, pushURLs []string, err error) {
	cfg, err := s.storer.Config()
	if err != nil {
		return "", nil, fmt.Errorf("go-git: read config: %w", err)
	}
	rc, ok := cfg.Remotes[remote]
	if !ok {
		return "", nil, fmt.Errorf("go-git: no remote %q in %s", remote, filepath.Join(s.gitDir, "config"))
	}
	// go-git lists the urls, then the pushurls, each after insteadOf.
	n := len(cfg.Raw.Section("remote").Subsection(remote).Options.GetAll("url"))
	if n == 0 || n > len(rc.URLs) {
		return "", nil, fmt.Errorf("go-git: remote %q has no url", remote)
	}
	fetchURL, pushURLs = rc.URLs[0], rc.URLs[n:]
	if len(pushURLs) == 0 {
		pushURLs = rc.URLs[:n]
	}
	for _, u := range append([]string{fetchURL}, pushURLs...) {
		ep, err := transport.NewEndpoint(u)
		if err != nil {
			return "", nil, fmt.Errorf("go-git: remote %q: url %s: %w", remote, redactURL(u), err)
		}
		if ep.Protocol == "file" {
			return "", nil, fmt.Errorf("go-git: remote %q is the local repository %s: without the git binary memgit shares only over http(s), ssh and git://", remote, u)
		}
	}
	return fetchURL, pushURLs, nil
}

// goGitError says which URL failed and why, in words for the errors a user
// can act on.
func goGitError(ctx context.Context, u string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("go-git: %w", cerr)
	}
	where := redactURL(u)
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired):
		return fmt.Errorf("go-git: %s: authentication failed; without git, memgit sends only the user and password in the remote's URL (go-git has no credential helpers): %w", where, err)
	case errors.Is(err, transport.ErrAuthorizationFailed):
		return fmt.Errorf("go-git: %s: permission denied: %w", where, err)
	}
	return fmt.Errorf("go-git: %s: %w", where, err)
}

// redactURL hides the password of a URL that has one.
func redactURL(u string) string {
	parsed, err := url.Parse(u)
	if err != nil || parsed.User == nil {
		return u
	}
	return parsed.Redacted()
}
