package format

import (
	"strings"
	"time"
)

// Directories of the memory tree.
const (
	CheckpointsDir = "checkpoints"
	JobsDir        = "jobs"
	RulesPath      = "rules/dev-rules.yaml"
)

// Checkpoint is a resume point, at checkpoints/YYYY/MM/<id>.yaml: what was
// in progress when it was taken, where the code stood, and the memory
// commit it was taken on, whose documents are the memory "as it was".
type Checkpoint struct {
	Memgit        int       `yaml:"memgit"`
	Kind          string    `yaml:"kind"`
	ID            string    `yaml:"id"`
	Name          string    `yaml:"name,omitempty"`
	CreatedAt     time.Time `yaml:"created_at,omitempty"`
	Session       string    `yaml:"session,omitempty"`
	Job           string    `yaml:"job,omitempty"`
	MemoryCommit  string    `yaml:"memory_commit,omitempty"`
	Project       Project   `yaml:"project,omitempty"`
	NextPriority  string    `yaml:"next_priority,omitempty"`
	ActiveTasks   []string  `yaml:"active_tasks,omitempty"`
	OpenQuestions []string  `yaml:"open_questions,omitempty"`
	Blockers      []string  `yaml:"blockers,omitempty"`
	NextSteps     []string  `yaml:"next_steps,omitempty"`
	Notes         string    `yaml:"notes,omitempty"`

	Extra map[string]any `yaml:",inline"`
}

// CheckpointPath is where the checkpoint with this id, taken at t, lives.
func CheckpointPath(id string, t time.Time) string {
	return CheckpointsDir + "/" + MonthDir(t) + "/" + id + ".yaml"
}

// Job statuses.
const (
	JobActive   = "active"
	JobPaused   = "paused"
	JobComplete = "complete"
)

// Job is a workstream that spans sessions, at jobs/<id>.yaml. Its sessions
// are the session documents whose job field names it.
type Job struct {
	Memgit      int       `yaml:"memgit"`
	Kind        string    `yaml:"kind"`
	ID          string    `yaml:"id"`
	Title       string    `yaml:"title,omitempty"`
	Status      string    `yaml:"status,omitempty"`
	CreatedAt   time.Time `yaml:"created_at,omitempty"`
	UpdatedAt   time.Time `yaml:"updated_at,omitempty"`
	CompletedAt time.Time `yaml:"completed_at,omitempty"`
	Description string    `yaml:"description,omitempty"`

	Extra map[string]any `yaml:",inline"`
}

// JobPath is where the job with this id lives.
func JobPath(id string) string { return JobsDir + "/" + id + ".yaml" }

// Slug turns a title into an id: lowercase letters, digits and dashes, at
// most 48 bytes; "" when nothing is left.
func Slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 48 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

// RuleSet is rules/dev-rules.yaml: the rules the team works by.
type RuleSet struct {
	Memgit int            `yaml:"memgit"`
	Kind   string         `yaml:"kind"`
	Rules  []Rule         `yaml:"rules,omitempty"`
	Extra  map[string]any `yaml:",inline"`
}

// Rule statuses: drafts come from transcripts, approved rules from people.
const (
	RuleDraft    = "draft"
	RuleApproved = "approved"
)

// Rule is one rule; drafts come from transcripts, approved ones from people.
type Rule struct {
	ID       string         `yaml:"id,omitempty"`
	Text     string         `yaml:"text"`
	Category string         `yaml:"category,omitempty"`
	Status   string         `yaml:"status,omitempty"`
	Extra    map[string]any `yaml:",inline"`
}
