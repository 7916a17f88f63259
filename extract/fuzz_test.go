package extract

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/memgit/memgit/format"
)

// Each extractor is fed arbitrary bytes, seeded with its fixtures whole and
// line by line: it must never panic, fail only with its own "not mine"
// error, and keep every stored text within its cap.

func FuzzClaude(f *testing.F) {
	fuzzExtractor(f, "claude", Claude, ErrNotTranscript)
}

func FuzzCodex(f *testing.F) {
	fuzzExtractor(f, "codex", Codex, ErrNotCodex)
}

func FuzzGemini(f *testing.F) {
	f.Add([]byte(`{"sessionId":"s","projectHash":"h","messages":[{"id":"1","type":"user","content":"x"}]}`))
	f.Add([]byte("{\n\"sessionId\": \"s\", \"messages\": {\"a\": [1, {\"b\": null}]}, \"x\": [[]]\n}\n{\"$rewindTo\":\"1\"}"))
	fuzzExtractor(f, "gemini", Gemini, ErrNotGemini)
}

type extractor func(ctx context.Context, r io.Reader, opts Options) (*format.Session, error)

func fuzzExtractor(f *testing.F, fixtures string, parse extractor, notMine error) {
	err := filepath.WalkDir(filepath.Join("..", "testdata", fixtures), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".jsonl") && !strings.HasSuffix(path, ".json") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f.Add(data)
		for line := range bytes.Lines(data) {
			f.Add(line)
		}
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := parse(context.Background(), bytes.NewReader(data), Options{RepoRoot: "/home/dev/proj"})
		if err != nil {
			if !errors.Is(err, notMine) {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		checkExtracted(t, s, data)
	})
}

// checkExtracted is what holds of any session an extractor returns.
func checkExtracted(t *testing.T, s *format.Session, data []byte) {
	t.Helper()
	if s.Transcript.Bytes != int64(len(data)) {
		t.Fatalf("transcript bytes %d, read %d", s.Transcript.Bytes, len(data))
	}
	if s.Conversation.Exchanges > s.Metrics.UserMessages {
		t.Fatalf("%d exchanges for %d prompts", s.Conversation.Exchanges, s.Metrics.UserMessages)
	}
	if len(s.Interactions) > maxInteractions || len(s.Rules) > maxRules || len(s.Errors) > maxErrors {
		t.Fatalf("%d interactions, %d rules, %d errors", len(s.Interactions), len(s.Rules), len(s.Errors))
	}
	if s.EndedAt.Before(s.CreatedAt) {
		t.Fatalf("ended %v before created %v", s.EndedAt, s.CreatedAt)
	}
	texts := map[string]int{s.Title: maxTitle + 100}
	for _, in := range s.Interactions {
		texts[in.User] = maxPrompt
		texts[in.Assistant] = maxReply
	}
	for _, c := range s.Commands {
		texts[c.Command] = maxCommand
	}
	for _, e := range s.Errors {
		texts[e.Error] = maxErrorText
		if e.Tool == "" {
			t.Fatalf("extracted error without a tool: %q", e.Error)
		}
	}
	for _, r := range s.Rules {
		texts[r] = maxRule
	}
	for _, c := range s.Compactions {
		texts[c.Summary] = maxCompactText
	}
	for text, limit := range texts {
		if !utf8.ValidString(text) || utf8.RuneCountInString(text) > limit {
			t.Fatalf("text over %d runes or not UTF-8: %q", limit, text)
		}
	}
}
