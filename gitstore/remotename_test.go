package gitstore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaultRemote(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config [][]string // git config NAME VALUE
		want   string     // "" expects ErrNoRemote
	}{
		{name: "no remote"},
		{name: "origin", config: [][]string{{"remote.origin.url", "u"}, {"remote.team.url", "u"}}, want: "origin"},
		{name: "the only remote", config: [][]string{{"remote.team.url", "u"}}, want: "team"},
		{name: "several, no origin", config: [][]string{{"remote.a.url", "u"}, {"remote.b.url", "u"}}},
		{name: "the current branch's upstream", config: [][]string{{"remote.origin.url", "u"}, {"remote.up.url", "u"}, {"branch.main.remote", "up"}}, want: "up"},
		{name: "a local upstream is no remote", config: [][]string{{"remote.origin.url", "u"}, {"branch.main.remote", "."}}, want: "origin"},
		{name: "the memory branch's upstream", config: [][]string{{"remote.origin.url", "u"}, {"branch.main.remote", "up"}, {"branch.memgit.remote", "mem"}}, want: "mem"},
		{name: "memgit.remote first", config: [][]string{{"branch.memgit.remote", "mem"}, {"memgit.remote", "chosen"}}, want: "chosen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := newUserRepo(t)
			for _, kv := range tc.config {
				runGit(t, dir, "config", kv[0], kv[1])
			}
			got, err := mustDiscover(t, dir).DefaultRemote(context.Background())
			if tc.want == "" {
				require.ErrorIs(t, err, ErrNoRemote)
				assert.Regexp(t, "git remote add|git config memgit.remote", err.Error(), "the message says what to do")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// A separate store shares through its own remotes, not the code
// repository's.
func TestDefaultRemoteOfASeparateStore(t *testing.T) {
	ctx := context.Background()
	code := newUserRepo(t)
	runGit(t, code, "remote", "add", "origin", "https://example.com/code.git")
	storeDir := t.TempDir()
	s, err := Init(ctx, storeDir, Options{})
	require.NoError(t, err)
	_, err = s.DefaultRemote(ctx)
	require.ErrorIs(t, err, ErrNoRemote)
	runGit(t, storeDir, "remote", "add", "memory", "https://example.com/memory.git")
	got, err := s.DefaultRemote(ctx)
	require.NoError(t, err)
	assert.Equal(t, "memory", got)
}

// Without git the repository's own config still chooses.
func TestDefaultRemoteWithoutGit(t *testing.T) {
	dir := newUserRepo(t)
	runGit(t, dir, "config", "remote.origin.url", "https://example.com/a.git")
	runGit(t, dir, "config", "remote.team.url", "https://example.com/b.git")
	s := mustDiscover(t, dir)
	withoutGit(t)
	got, err := s.DefaultRemote(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "origin", got)
	runGit(t, dir, "config", "memgit.remote", "team")
	got, err = s.DefaultRemote(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "team", got)
}
