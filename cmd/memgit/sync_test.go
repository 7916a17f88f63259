package main

import (
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/memgit/memgit/gitstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemoryMergeResolve(t *testing.T) {
	m := &memoryMerge{remote: "origin", branch: "memgit", theirs: plumbing.NewHash("22")}
	for _, tc := range []struct {
		name               string
		path               string
		base, ours, theirs string
		nilOurs, nilTheirs bool
		want               string
		wantNil, wantNoted bool
	}{
		{name: "appended on one side", path: "memories/a/b.md", base: "x\n", ours: "x\ny\n", theirs: "x\ny\nz\n", want: "x\ny\nz\n"},
		{name: "appended on the other", path: "memories/a/b.md", base: "x\n", ours: "x\ny\nz\n", theirs: "x\ny\n", want: "x\ny\nz\n"},
		{name: "rewritten on both", path: "memories/a/b.md", base: "x\n", ours: "aaa\n", theirs: "bbb\n", want: "bbb\n", wantNoted: true},
		{name: "forgotten here, changed there", path: "sessions/2026/11/s.yaml", base: "a: 1\n", nilOurs: true, theirs: "a: 2\n", wantNil: true, wantNoted: true},
		{name: "changed here, forgotten there", path: "sessions/2026/11/s.yaml", base: "a: 1\n", ours: "a: 2\n", nilTheirs: true, wantNil: true, wantNoted: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m.conflicts = nil
			var ours, theirs []byte
			if !tc.nilOurs {
				ours = []byte(tc.ours)
			}
			if !tc.nilTheirs {
				theirs = []byte(tc.theirs)
			}
			got, err := m.resolve(tc.path, []byte(tc.base), ours, theirs)
			require.NoError(t, err)
			if tc.wantNil {
				assert.Nil(t, got)
			} else {
				assert.Equal(t, tc.want, string(got))
			}
			assert.Equal(t, tc.wantNoted, len(m.conflicts) == 1, "%v", m.conflicts)
		})
	}

	// A document that does not parse stops the merge with its path.
	_, err := m.resolve("sessions/2026/11/s.yaml", nil, []byte("a: [1"), []byte("a: 2\n"))
	require.Error(t, err)

	// The message lists what lost, with both sides' commits, redacted.
	m.conflicts = []conflictNote{{Path: "p.yaml", Field: "f", Winner: "theirs", Kept: `"new"`, Lost: `"token ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"`}}
	msg := m.message(gitstore.MergeResult{Parent: plumbing.NewHash("11"), Resolved: []string{"p.yaml"}})
	assert.Equal(t, "Merge origin/memgit into memgit", msg.Subject)
	assert.Contains(t, msg.Body, "  p.yaml\n")
	assert.Contains(t, msg.Body, `p.yaml f: kept "new" (theirs), not "token [REDACTED`)
	assert.NotContains(t, msg.Body, "ghp_0123")
	assert.Equal(t, []gitstore.Trailer{{Key: "Memgit-Kind", Value: "merge"}}, msg.Trailers)
}
