package format

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

const baseSession = `memgit: 1
kind: session
id: s1
agent: claude-code
title: fix the parser
title_source: prompt
status: in_progress
created_at: 2026-11-20T10:00:00Z
updated_at: 2026-11-20T10:30:00Z
accomplishments:
  - found the bug
  - wrote a failing test
metrics:
  user_messages: 3
  tool_calls:
    Bash: 4
transcript:
  path: /t/s1.jsonl
  bytes: 1000
  lines: 10
`

func mergeDocs(t *testing.T, base, ours, theirs string) (*Session, []Conflict) {
	t.Helper()
	var b []byte
	if base != "" {
		b = []byte(base)
	}
	out, conflicts, err := MergeDocuments(b, []byte(ours), []byte(theirs))
	require.NoError(t, err)
	s, err := UnmarshalSession(out)
	require.NoError(t, err)
	again, err := MarshalYAML(s)
	require.NoError(t, err)
	require.Equal(t, string(again), string(out), "the merged document is written as memgit writes it")
	return s, conflicts
}

// The must-show case: one clone re-extracted a longer transcript, the other
// wrote a summary. The merge keeps both, with no conflict.
func TestMergeDocumentsKeepsExtractedFactsAndWrittenSummary(t *testing.T) {
	ours := baseSession + `files:
  - path: parser.go
    action: edit
`
	ours = replace(t, ours, "bytes: 1000", "bytes: 5000")
	ours = replace(t, ours, "user_messages: 3", "user_messages: 9")
	ours = replace(t, ours, "updated_at: 2026-11-20T10:30:00Z", "updated_at: 2026-11-20T11:00:00Z")
	theirs := replace(t, baseSession, "updated_at: 2026-11-20T10:30:00Z", "updated_at: 2026-11-20T12:00:00Z") + `summary:
  goal: fix the parser
  outcome: fixed; tokens no longer split
pending:
  - release 1.2
`
	theirs = replace(t, theirs, "title: fix the parser\ntitle_source: prompt", "title: Parser fix\ntitle_source: written")
	s, conflicts := mergeDocs(t, baseSession, ours, theirs)
	assert.Empty(t, conflicts)
	assert.Equal(t, "fixed; tokens no longer split", s.Summary.Outcome)
	assert.Equal(t, []string{"release 1.2"}, s.Pending)
	assert.Equal(t, "Parser fix", s.Title)
	assert.Equal(t, 9, s.Metrics.UserMessages)
	assert.Equal(t, int64(5000), s.Transcript.Bytes)
	assert.Equal(t, []FileAction{{Path: "parser.go", Action: "edit"}}, s.Files)
	assert.Equal(t, "2026-11-20T12:00:00Z", s.UpdatedAt.Format("2006-01-02T15:04:05Z07:00"))
}

func TestMergeDocumentsTrueConflictNewerWinsLoserReported(t *testing.T) {
	ours := baseSession + "summary:\n  outcome: ours\n"
	theirs := replace(t, baseSession, "updated_at: 2026-11-20T10:30:00Z", "updated_at: 2026-11-20T12:00:00Z") + "summary:\n  outcome: theirs\n"
	s, conflicts := mergeDocs(t, baseSession, ours, theirs)
	assert.Equal(t, "theirs", s.Summary.Outcome)
	require.Len(t, conflicts, 1)
	assert.Equal(t, Conflict{Field: "summary.outcome", Winner: Theirs, Kept: `"theirs"`, Lost: `"ours"`}, conflicts[0])

	// The same pair merged from the other clone keeps the same value.
	s2, conflicts2 := mergeDocs(t, baseSession, theirs, ours)
	assert.Equal(t, "theirs", s2.Summary.Outcome)
	require.Len(t, conflicts2, 1)
	assert.Equal(t, Ours, conflicts2[0].Winner)
}

func TestMergeDocumentsListsAreThreeWaySets(t *testing.T) {
	ours := replace(t, baseSession, "  - wrote a failing test\n", "  - wrote a failing test\n  - ours added\n")
	theirs := replace(t, baseSession, "  - found the bug\n", "") // removed on their side
	theirs = replace(t, theirs, "  - wrote a failing test\n", "  - wrote a failing test\n  - theirs added\n")
	s, conflicts := mergeDocs(t, baseSession, ours, theirs)
	assert.Empty(t, conflicts)
	assert.Equal(t, []string{"wrote a failing test", "ours added", "theirs added"}, s.Accomplishments)
}

func TestMergeDocumentsRemovedOnOneSideChangedOnTheOtherKeepsTheValue(t *testing.T) {
	ours := replace(t, baseSession, "status: in_progress\n", "")
	theirs := replace(t, baseSession, "status: in_progress", "status: complete")
	s, conflicts := mergeDocs(t, baseSession, ours, theirs)
	assert.Empty(t, conflicts)
	assert.Equal(t, StatusComplete, s.Status)
}

func TestMergeDocumentsAddedOnBothSides(t *testing.T) {
	ours := baseSession + "pending:\n  - a\n"
	theirs := replace(t, baseSession, "created_at: 2026-11-20T10:00:00Z", "created_at: 2026-11-20T09:00:00Z") + "pending:\n  - b\n  - a\n"
	s, conflicts := mergeDocs(t, "", ours, theirs)
	assert.Empty(t, conflicts)
	assert.Equal(t, []string{"a", "b"}, s.Pending)
	assert.Equal(t, 9, s.CreatedAt.Hour(), "the earlier start is kept")
}

func TestMergeDocumentsKeepsUnknownFields(t *testing.T) {
	ours := baseSession + "future:\n  a: 1\n"
	theirs := baseSession + "future:\n  b: 2\n"
	out, conflicts, err := MergeDocuments([]byte(baseSession), []byte(ours), []byte(theirs))
	require.NoError(t, err)
	assert.Empty(t, conflicts)
	assert.Contains(t, string(out), "future:\n  a: 1\n  b: 2\n")
}

func TestMergeDocumentsRulesAreUnionedWithoutDuplicates(t *testing.T) {
	base := "memgit: 1\nkind: rules\nrules:\n  - text: Run gofmt before committing.\n    status: draft\n"
	ours := base + "  - text: Never force-push\n    status: approved\n"
	ours = replace(t, ours, "status: draft", "status: approved")
	theirs := base + "  - text: never  force-push.\n    status: draft\n  - text: Tests use real git\n"
	out, conflicts, err := MergeDocuments([]byte(base), []byte(ours), []byte(theirs))
	require.NoError(t, err)
	var rs RuleSet
	require.NoError(t, yaml.Unmarshal(out, &rs))
	var rules []string
	for _, r := range rs.Rules {
		rules = append(rules, RuleKey(r.Text)+"/"+r.Status)
	}
	assert.Equal(t, []string{"run gofmt before committing/approved", "never force-push/approved", "tests use real git/"}, rules)
	// The same rule added on both sides is one rule: an approval beats a
	// draft, and the other spelling of its text is reported.
	require.Len(t, conflicts, 1)
	assert.Equal(t, "rules.never force-push.text", conflicts[0].Field)
}

func TestMergeDocumentsJobStatusNewerWins(t *testing.T) {
	base := "memgit: 1\nkind: job\nid: j\nstatus: active\nupdated_at: 2026-11-20T10:00:00Z\n"
	ours := "memgit: 1\nkind: job\nid: j\nstatus: paused\nupdated_at: 2026-11-20T11:00:00Z\n"
	theirs := "memgit: 1\nkind: job\nid: j\nstatus: complete\nupdated_at: 2026-11-20T12:00:00Z\n"
	out, conflicts, err := MergeDocuments([]byte(base), []byte(ours), []byte(theirs))
	require.NoError(t, err)
	assert.Contains(t, string(out), "status: complete\n")
	assert.Contains(t, string(out), "updated_at: 2026-11-20T12:00:00Z\n")
	require.Len(t, conflicts, 1)
	assert.Equal(t, `"paused"`, conflicts[0].Lost)
}

func TestMergeDocumentsRejectsBrokenInput(t *testing.T) {
	for name, bad := range map[string]string{
		"not yaml":   "kind: [session",
		"a list":     "- a\n- b\n",
		"a scalar":   "hello",
		"binary":     "\x00\x01\xff",
		"wrong type": "memgit: 1\nkind: session\nid: s1\nmetrics: 7\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := MergeDocuments([]byte(baseSession), []byte(baseSession+"pending: [x]\n"), []byte(bad))
			assert.Error(t, err)
		})
	}
}

func replace(t *testing.T, s, old, new string) string {
	t.Helper()
	out := strings.Replace(s, old, new, 1)
	require.NotEqual(t, s, out, "fixture does not contain %q", old)
	return out
}

func FuzzMergeDocuments(f *testing.F) {
	f.Add([]byte(baseSession), []byte(baseSession+"pending: [a]\n"), []byte(baseSession+"pending: [b]\nsummary: {outcome: x}\n"))
	f.Add([]byte(nil), []byte("kind: rules\nrules: [{text: a}, {text: A.}]\n"), []byte("kind: rules\nrules: [b, {text: a, status: x}]\n"))
	f.Add([]byte("a: &x [1]\nb: *x\n"), []byte("a: 1\n"), []byte("a: {b: [1, 2]}\n"))
	f.Fuzz(func(t *testing.T, base, ours, theirs []byte) {
		out, _, err := MergeDocuments(base, ours, theirs)
		if err == nil {
			if _, err := documentRoot(out); err != nil {
				t.Fatalf("merged output does not parse: %v\n%s", err, out)
			}
		}
	})
}
