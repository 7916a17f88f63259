package main

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runIn(ctx context.Context, t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errw bytes.Buffer
	code = run(ctx, newApp(strings.NewReader(""), &out, &errw), args)
	return code, out.String(), errw.String()
}

// newRepo is an empty git repository for in-process runs, with the
// user's and the system's git configuration kept out.
func newRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("HOME", t.TempDir())
	repo := t.TempDir()
	require.NoError(t, exec.Command("git", "init", "-q", repo).Run())
	return repo
}

func TestExitStatuses(t *testing.T) {
	repo := newRepo(t)
	ctx := context.Background()

	code, _, stderr := runIn(ctx, t, "-C", repo, "log")
	assert.Equal(t, exitNotFound, code, stderr)

	code, _, _ = runIn(ctx, t, "-C", repo, "init")
	assert.Equal(t, exitOK, code)

	code, stdout, _ := runIn(ctx, t, "-C", repo, "log", "--json")
	assert.Equal(t, exitOK, code)
	assert.Equal(t, "[]\n", stdout, "an empty list is [] not null")

	code, _, stderr = runIn(ctx, t, "-C", repo, "show", "nothing-here")
	assert.Equal(t, exitNotFound, code, stderr)

	code, _, _ = runIn(ctx, t, "-C", repo, "log", "--limit")
	assert.Equal(t, exitUsage, code)
	code, _, _ = runIn(ctx, t, "-C", repo, "frobnicate")
	assert.Equal(t, exitUsage, code)
	code, _, _ = runIn(ctx, t, "-C", repo+"/missing", "log")
	assert.Equal(t, exitUsage, code)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	code, _, stderr = runIn(cancelled, t, "-C", repo, "log")
	assert.Equal(t, exitInterrupted, code, stderr)
	assert.Contains(t, stderr, "interrupted")
}
