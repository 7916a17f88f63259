package gitstore

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DefaultRemote chooses the remote memory is shared through when the user
// names none: git config memgit.remote, else the memory branch's upstream
// (branch.memgit.remote), else the upstream of the branch HEAD is on, else
// origin, else the only remote there is. The configuration is the store's
// own, so a separate store shares through its remotes, not the code
// repository's. It fails, saying what to do, when none applies.
func (s *Store) DefaultRemote(ctx context.Context) (string, error) {
	cfg := s.remoteConfig(ctx)
	branch := strings.TrimPrefix(s.ref.String(), "refs/heads/")
	var candidates []string
	candidates = append(candidates, cfg["memgit.remote"], cfg["branch."+branch+".remote"])
	if head, err := os.ReadFile(filepath.Join(s.gitDir, "HEAD")); err == nil {
		if name, ok := strings.CutPrefix(strings.TrimSpace(string(head)), "ref: refs/heads/"); ok {
			candidates = append(candidates, cfg["branch."+name+".remote"])
		}
	}
	remotes := map[string]bool{}
	for k := range cfg {
		if name, ok := strings.CutPrefix(k, "remote."); ok {
			if name, ok := strings.CutSuffix(name, ".url"); ok {
				remotes[name] = true
			}
		}
	}
	for _, c := range candidates {
		// "." is git's upstream for a local branch: nothing to share with.
		if c != "" && c != "." {
			return c, nil
		}
	}
	if remotes["origin"] {
		return "origin", nil
	}
	if len(remotes) == 1 {
		for name := range remotes {
			return name, nil
		}
	}
	if len(remotes) == 0 {
		return "", fmt.Errorf("%w: this repository has no remote; add one with 'git remote add origin URL'", ErrNoRemote)
	}
	names := make([]string, 0, len(remotes))
	for n := range remotes {
		names = append(names, n)
	}
	sort.Strings(names)
	return "", fmt.Errorf("%w: no origin, and several remotes (%s): name one, or set one with 'git config memgit.remote NAME'",
		ErrNoRemote, strings.Join(names, ", "))
}

// remoteConfig reads the settings that choose a remote, with git when it is
// installed (global files and includes count), else from the repository's
// own config file through go-git.
func (s *Store) remoteConfig(ctx context.Context) map[string]string {
	m := map[string]string{}
	if _, err := lookGit(); err == nil {
		// Exit status 1 is "no such setting": an empty map.
		out, _ := s.runGit(ctx, "config", "-z", "--get-regexp", `^memgit\.remote$|^remote\..*\.url$|^branch\..*\.remote$`)
		for _, rec := range bytes.Split(out, []byte{0}) {
			k, v, _ := strings.Cut(string(rec), "\n")
			if k != "" {
				m[k] = v
			}
		}
		return m
	}
	cfg, err := s.storer.Config()
	if err != nil {
		return m
	}
	for name, r := range cfg.Remotes {
		if len(r.URLs) > 0 {
			m["remote."+name+".url"] = r.URLs[0]
		}
	}
	for name, b := range cfg.Branches {
		m["branch."+name+".remote"] = b.Remote
	}
	if sec := cfg.Raw.Section("memgit"); sec != nil {
		m["memgit.remote"] = sec.Option("remote")
	}
	return m
}
