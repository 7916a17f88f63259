package main

import (
	"context"
	"os/exec"
	"testing"

	"github.com/memgit/memgit/gitstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Memories have no command of their own yet; they are put on the branch
// directly, as a teammate's newer memgit or a hand edit would.
func TestForgetMemory(t *testing.T) {
	repo := newRepo(t)
	ctx := context.Background()
	code, _, stderr := runIn(ctx, t, "-C", repo, "init")
	require.Equal(t, exitOK, code, stderr)
	s, err := gitstore.Discover(ctx, repo, gitstore.Options{})
	require.NoError(t, err)
	_, err = s.Update(ctx, gitstore.UpdateOptions{}, func(tx *gitstore.Tx) error {
		tx.Message = gitstore.Message{Subject: "memories"}
		for _, p := range []string{"memories/team/style.md", "memories/team/review.md", "memories/notes.md"} {
			if err := tx.Put(p, []byte("# "+p+"\n")); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)

	for _, tc := range []struct {
		arg, path string
	}{
		{"mem:team/style", "memories/team/style.md"},
		{"team/review.md", "memories/team/review.md"},
		{"mem:notes.md", "memories/notes.md"},
	} {
		code, stdout, stderr := runIn(ctx, t, "-C", repo, "forget", "--dry-run", tc.arg)
		require.Equal(t, exitOK, code, stderr)
		assert.Equal(t, "would remove "+tc.path+"\n", stdout)
	}
	code, stdout, stderr := runIn(ctx, t, "-C", repo, "--json", "forget", "--dry-run", "mem:notes")
	require.Equal(t, exitOK, code, stderr)
	assert.JSONEq(t, `{"paths": ["memories/notes.md"], "dry_run": true}`, stdout, "JSON only")

	code, stdout, stderr = runIn(ctx, t, "-C", repo, "forget", "mem:team/style", "team/review")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "removed memories/team/style.md\nremoved memories/team/review.md\n", stdout)
	out, err := exec.Command("git", "-C", repo, "ls-tree", "-r", "--name-only", "memgit").Output()
	require.NoError(t, err)
	assert.Equal(t, "memgit.yaml\nmemories/notes.md\n", string(out))
	out, err = exec.Command("git", "-C", repo, "log", "-1", "--format=%s", "memgit").Output()
	require.NoError(t, err)
	assert.Equal(t, "Forget memory team/style, memory team/review\n", string(out))

	code, _, _ = runIn(ctx, t, "-C", repo, "forget", "mem:team/style")
	assert.Equal(t, exitNotFound, code, "already forgotten")
	code, _, _ = runIn(ctx, t, "-C", repo, "forget", "mem:../../etc/passwd")
	assert.Equal(t, exitUsage, code)
	code, _, _ = runIn(ctx, t, "-C", repo, "forget", "mem:")
	assert.NotEqual(t, exitOK, code)
}
