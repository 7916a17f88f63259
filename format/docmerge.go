package format

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Merging memory that two clones changed independently: when both changed
// the same document since their common base, MergeDocuments merges it field
// by field instead of letting one side win the file.

// Side names one side of a merge.
type Side int

// The sides of a merge: ours is the local branch, theirs what was fetched.
const (
	Ours Side = iota + 1
	Theirs
)

func (s Side) String() string {
	if s == Ours {
		return "ours"
	}
	return "theirs"
}

func (s Side) other() Side { return 3 - s }

// Conflict is a field both sides set to different values, where only one
// value could be kept: Kept is in the merged document, Lost is the other
// side's, both as one-line YAML. A merge reports every conflict so that the
// losing value is recorded (in the merge commit), never dropped silently.
type Conflict struct {
	Field  string // dotted path in the document: "summary.outcome"
	Winner Side
	Kept   string
	Lost   string
}

// MergeDocuments merges a YAML document that both sides changed since base
// (base is nil when both sides added it). The rules are those of re-saving,
// made three-way:
//
//   - a field only one side changed takes that change; a field one side
//     removed and the other changed keeps the value (an empty never erases);
//   - mappings merge key by key, at every depth, unknown keys included;
//   - lists merge as sets: what either side added is kept, what either side
//     removed from base is removed, in ours' order then theirs' additions;
//   - created_at takes the earlier time, updated_at, ended_at and
//     completed_at the later;
//   - a session's extracted counts (metrics, transcript, exchanges,
//     duration) come whole from the side that read the longer transcript;
//   - a title comes with its source from the side whose source ranks
//     higher, as in MergeSession;
//   - rules are matched by their text, so a rule both sides added is kept
//     once (duplicates are found ignoring case, spacing and end punctuation);
//   - any other field both sides changed is a true conflict: the side with
//     the newer updated_at wins and the other value is returned as a Conflict.
//
// Ties go to the side whose document sorts last, so that two clones merging
// the same pair of documents get the same result. The output is the
// document re-encoded as memgit writes it.
func MergeDocuments(base, ours, theirs []byte) ([]byte, []Conflict, error) {
	var sides [3]*yaml.Node
	for i, data := range [][]byte{base, ours, theirs} {
		if data == nil {
			continue
		}
		n, err := documentRoot(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", [...]string{"base", "ours", "theirs"}[i], err)
		}
		sides[i] = n
	}
	if sides[1] == nil || sides[2] == nil {
		return nil, nil, fmt.Errorf("merge needs both sides of a document")
	}
	m := &docMerge{kind: scalarAt(sides[1], "kind"), keys: map[*yaml.Node]string{}}
	m.newer = m.newerSide(sides[1], sides[2])
	m.extracted = m.longerTranscript(sides[1], sides[2])
	m.titled = strongerTitle(sides[1], sides[2])
	if m.kind == KindRules {
		for _, n := range sides {
			keyRules(n)
		}
	}
	merged := m.merge(sides[0], sides[1], sides[2], "")
	if m.kind == KindRules {
		unkeyRules(merged)
	}
	out, err := normalize(merged)
	if err != nil {
		return nil, nil, err
	}
	return out, m.conflicts, nil
}

// documentRoot parses a document whose top level must be a mapping.
func documentRoot(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("decode: not a mapping of fields")
	}
	return doc.Content[0], nil
}

// normalize re-encodes a merged document through its type, so that it is
// written exactly as a save would write it (field order, list caps).
func normalize(n *yaml.Node) ([]byte, error) {
	kind := scalarAt(n, "kind")
	var v any
	switch kind {
	case KindSession:
		v = new(Session)
	case KindJob:
		v = new(Job)
	case KindCheckpoint:
		v = new(Checkpoint)
	case KindRules:
		v = new(RuleSet)
	default:
		return MarshalYAML(n)
	}
	if err := n.Decode(v); err != nil {
		return nil, fmt.Errorf("merged %s: %w", kind, err)
	}
	if s, ok := v.(*Session); ok {
		capLists(s)
	}
	return MarshalYAML(v)
}

type docMerge struct {
	kind      string
	newer     Side // the side with the newer updated_at
	extracted Side // the side that read more of the transcript
	titled    Side // the side whose title has the stronger source, if either
	conflicts []Conflict
	keys      map[*yaml.Node]string
}

// extractedFields are a session's counts over one transcript: they are
// taken together from one side, never mixed.
var extractedFields = map[string]bool{
	"metrics":                       true,
	"transcript":                    true,
	"conversation.exchanges":        true,
	"conversation.duration_minutes": true,
}

func (m *docMerge) merge(b, o, t *yaml.Node, field string) *yaml.Node {
	switch {
	case m.same(o, t), m.same(b, t):
		return o
	case m.same(b, o):
		return t
	case o == nil:
		return t
	case t == nil:
		return o
	}
	if extractedFields[field] {
		return m.pick(m.extracted, o, t)
	}
	if (field == "title" || field == "title_source") && m.titled != 0 {
		return m.pick(m.titled, o, t)
	}
	if o.Kind == yaml.MappingNode && t.Kind == yaml.MappingNode {
		if b != nil && b.Kind != yaml.MappingNode {
			b = nil
		}
		return m.mapping(b, o, t, field)
	}
	if o.Kind == yaml.SequenceNode && t.Kind == yaml.SequenceNode {
		if b != nil && b.Kind != yaml.SequenceNode {
			b = nil
		}
		return m.sequence(b, o, t)
	}
	if m.kind == KindRules && strings.HasSuffix(field, ".status") {
		// A rule found in a transcript is a draft until someone decides;
		// a decision beats a draft without being a conflict.
		switch {
		case o.Value == RuleDraft:
			return t
		case t.Value == RuleDraft:
			return o
		}
	}
	switch field {
	case "created_at":
		return m.byTime(o, t, field, false)
	case "updated_at", "ended_at", "completed_at":
		return m.byTime(o, t, field, true)
	}
	return m.conflict(o, t, field)
}

// conflict keeps the newer side's value and records the other.
func (m *docMerge) conflict(o, t *yaml.Node, field string) *yaml.Node {
	kept, lost := m.pick(m.newer, o, t), m.pick(m.newer.other(), o, t)
	m.conflicts = append(m.conflicts, Conflict{Field: field, Winner: m.newer, Kept: flow(kept), Lost: flow(lost)})
	return kept
}

func (m *docMerge) pick(s Side, o, t *yaml.Node) *yaml.Node {
	if s == Ours {
		return o
	}
	return t
}

func (m *docMerge) mapping(b, o, t *yaml.Node, field string) *yaml.Node {
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: o.Tag, Style: o.Style}
	seen := map[string]bool{}
	for _, side := range []*yaml.Node{o, t} {
		for i := 0; i+1 < len(side.Content); i += 2 {
			k := side.Content[i].Value
			if seen[k] {
				continue
			}
			seen[k] = true
			v := m.merge(valueAt(b, k), valueAt(o, k), valueAt(t, k), joinField(field, k))
			if v != nil {
				out.Content = append(out.Content, side.Content[i], v)
			}
		}
	}
	return out
}

func (m *docMerge) sequence(b, o, t *yaml.Node) *yaml.Node {
	inBase, inOurs, inTheirs := m.itemSet(b), m.itemSet(o), m.itemSet(t)
	out := &yaml.Node{Kind: yaml.SequenceNode, Tag: o.Tag, Style: o.Style}
	added := map[string]bool{}
	add := func(n *yaml.Node) {
		k := m.key(n)
		if !added[k] {
			added[k] = true
			out.Content = append(out.Content, n)
		}
	}
	for _, n := range o.Content {
		if k := m.key(n); !inBase[k] || inTheirs[k] {
			add(n)
		}
	}
	for _, n := range t.Content {
		if k := m.key(n); !inBase[k] && !inOurs[k] {
			add(n)
		}
	}
	return out
}

func (m *docMerge) itemSet(seq *yaml.Node) map[string]bool {
	set := map[string]bool{}
	if seq != nil {
		for _, n := range seq.Content {
			set[m.key(n)] = true
		}
	}
	return set
}

// byTime keeps the later (or earlier) of two timestamps; values that are
// not timestamps are a conflict like any other.
func (m *docMerge) byTime(o, t *yaml.Node, field string, later bool) *yaml.Node {
	to, erro := time.Parse(time.RFC3339Nano, o.Value)
	tt, errt := time.Parse(time.RFC3339Nano, t.Value)
	if erro != nil || errt != nil || o.Kind != yaml.ScalarNode || t.Kind != yaml.ScalarNode {
		return m.conflict(o, t, field)
	}
	if tt.After(to) == later {
		return t
	}
	return o
}

// newerSide is the side whose document has the later updated_at.
func (m *docMerge) newerSide(o, t *yaml.Node) Side {
	to, _ := time.Parse(time.RFC3339Nano, scalarAt(o, "updated_at"))
	tt, _ := time.Parse(time.RFC3339Nano, scalarAt(t, "updated_at"))
	switch {
	case to.After(tt):
		return Ours
	case tt.After(to):
		return Theirs
	}
	return m.tieBreak(o, t)
}

// longerTranscript is the side whose session read more of its transcript.
func (m *docMerge) longerTranscript(o, t *yaml.Node) Side {
	bo, _ := strconv.ParseInt(scalarAt(valueAt(o, "transcript"), "bytes"), 10, 64)
	bt, _ := strconv.ParseInt(scalarAt(valueAt(t, "transcript"), "bytes"), 10, 64)
	switch {
	case bo > bt:
		return Ours
	case bt > bo:
		return Theirs
	}
	return m.newer
}

// strongerTitle is the side whose title came from the stronger source (a
// written title beats a guessed one), or 0 when they are equally strong.
func strongerTitle(o, t *yaml.Node) Side {
	ro, rt := titleRank[scalarAt(o, "title_source")], titleRank[scalarAt(t, "title_source")]
	switch {
	case ro > rt:
		return Ours
	case rt > ro:
		return Theirs
	}
	return 0
}

func (m *docMerge) tieBreak(o, t *yaml.Node) Side {
	if m.key(o) >= m.key(t) {
		return Ours
	}
	return Theirs
}

func (m *docMerge) same(a, b *yaml.Node) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a == b || m.key(a) == m.key(b)
}

// key is a node's value as a string: equal for equal values whatever
// their style (quoting, flow or block).
func (m *docMerge) key(n *yaml.Node) string {
	if k, ok := m.keys[n]; ok {
		return k
	}
	var b strings.Builder
	writeKey(&b, n, 0)
	k := b.String()
	m.keys[n] = k
	return k
}

func writeKey(b *strings.Builder, n *yaml.Node, depth int) {
	if n == nil || depth > 100 {
		b.WriteString("~")
		return
	}
	switch n.Kind {
	case yaml.ScalarNode:
		b.WriteString(n.ShortTag())
		b.WriteString(strconv.Quote(n.Value))
	case yaml.AliasNode:
		b.WriteString("*" + strconv.Quote(n.Value))
	case yaml.DocumentNode, yaml.SequenceNode, yaml.MappingNode:
		b.WriteString([...]string{yaml.DocumentNode: "d", yaml.SequenceNode: "[", yaml.MappingNode: "{"}[n.Kind])
		for _, c := range n.Content {
			writeKey(b, c, depth+1)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	}
}

// flow renders a value on one line, for a merge commit's message.
func flow(n *yaml.Node) string {
	if n == nil {
		return "(none)"
	}
	if n.Kind == yaml.ScalarNode {
		if n.ShortTag() == "!!str" {
			return strconv.Quote(n.Value)
		}
		return n.Value
	}
	c := *n
	c.Style = yaml.FlowStyle
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(&c); err != nil {
		return "(unprintable)"
	}
	_ = enc.Close()
	return strings.Join(strings.Fields(buf.String()), " ")
}

func joinField(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// valueAt is the value of key in a mapping node, nil when absent.
func valueAt(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalarAt(n *yaml.Node, key string) string {
	if v := valueAt(n, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// keyRules turns a rule set's list into a mapping from each rule's
// normalized text to the rule, so that the same rule added on both sides
// (or twice on one) is one entry whose fields merge. unkeyRules undoes it.
func keyRules(doc *yaml.Node) {
	list := valueAt(doc, "rules")
	if list == nil || list.Kind != yaml.SequenceNode {
		return
	}
	keyed := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	seen := map[string]bool{}
	for _, r := range list.Content {
		k := RuleKey(scalarAt(r, "text"))
		if r.Kind != yaml.MappingNode || k == "" {
			k = fmt.Sprintf("\x00%d", len(keyed.Content))
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		keyed.Content = append(keyed.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, r)
	}
	*list = *keyed
}

func unkeyRules(doc *yaml.Node) {
	keyed := valueAt(doc, "rules")
	if keyed == nil || keyed.Kind != yaml.MappingNode {
		return
	}
	list := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for i := 1; i < len(keyed.Content); i += 2 {
		list.Content = append(list.Content, keyed.Content[i])
	}
	*keyed = *list
}

// RuleKey is what makes two rules the same rule: their text, ignoring
// case, spacing and final punctuation.
func RuleKey(text string) string {
	return strings.TrimRight(norm(text), ".!;:")
}
