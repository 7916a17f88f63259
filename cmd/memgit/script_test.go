package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/memgit/memgit/internal/gittest"
	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the golden output in testdata/script")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"memgit": func() {
			os.Exit(run(context.Background(), newApp(os.Stdin, os.Stdout, os.Stderr), os.Args[1:]))
		},
	})
}

// TestScripts runs the end-to-end scripts in testdata/script: real git
// repositories, the real git binary, memgit as a separate process.
func TestScripts(t *testing.T) {
	testscript.Run(t, scriptParams(t, nil))
}

// TestSyncTransports runs the sharing script against real servers on
// loopback: git daemon, and smart HTTP (git http-backend behind basic
// auth, the credentials in the remote's URL, and a wrong password in
// $WRONG_URL for http/auth.txtar). TestScripts runs it against a bare
// repository by path.
func TestSyncTransports(t *testing.T) {
	t.Parallel()
	for _, tr := range []struct {
		name    string
		scripts []string
		serve   func(t *testing.T, base string) (urlOf func(repo, password string) string)
	}{
		{"git-daemon", []string{"sync.txtar"}, func(t *testing.T, base string) func(string, string) string {
			addr := gittest.Daemon(t, base)
			return func(repo, _ string) string { return "git://" + addr + "/" + repo }
		}},
		{"smart-http", []string{"sync.txtar", "http/auth.txtar"}, func(t *testing.T, base string) func(string, string) string {
			srv := gittest.NewHTTPServer(t, base)
			return func(repo, password string) string { return srv.URL(gittest.HTTPUser, password, repo) }
		}},
	} {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			base := t.TempDir()
			urlOf := tr.serve(t, base)
			p := scriptParams(t, func(env *testscript.Env) {
				repo := filepath.Base(env.WorkDir) + "/remote.git"
				env.Setenv("REMOTE_DIR", filepath.Join(base, repo))
				env.Setenv("REMOTE_URL", urlOf(repo, gittest.HTTPPassword))
				env.Setenv("WRONG_URL", urlOf(repo, "wrong-pw"))
			})
			for _, f := range tr.scripts {
				p.Files = append(p.Files, filepath.Join(p.Dir, f))
			}
			p.Dir = ""
			testscript.Run(t, p)
		})
	}
}

// scriptParams are the scripts' settings. The remote the sharing scripts use
// is a bare repository by path unless remote sets REMOTE_DIR (where the
// script creates it) and REMOTE_URL (how clones reach it).
func scriptParams(t *testing.T, remote func(env *testscript.Env)) testscript.Params {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	testdata, err := filepath.Abs(filepath.Join("..", "..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	// Real transcripts from public repositories, beside a checkout; the
	// scripts that use them skip when they are absent.
	corpus := os.Getenv("MEMGIT_CORPUS")
	if corpus == "" {
		corpus, _ = filepath.Abs(filepath.Join("..", "..", "..", "shared", "corpus"))
	}
	return testscript.Params{
		Dir:                 filepath.Join(testdata, "script"),
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			home := filepath.Join(env.WorkDir, ".home")
			if err := os.MkdirAll(home, 0o755); err != nil {
				return err
			}
			for k, v := range map[string]string{
				"HOME":                home,
				"XDG_CONFIG_HOME":     filepath.Join(home, ".config"),
				"GIT_CONFIG_NOSYSTEM": "1",
				"GIT_AUTHOR_NAME":     "Ada Tester",
				"GIT_AUTHOR_EMAIL":    "ada@example.com",
				"GIT_COMMITTER_NAME":  "Ada Tester",
				"GIT_COMMITTER_EMAIL": "ada@example.com",
				"GIT_AUTHOR_DATE":     "@1763700000 +0000",
				"GIT_COMMITTER_DATE":  "@1763700000 +0000",
				"TESTDATA":            testdata,
				"REMOTE_DIR":          filepath.Join(env.WorkDir, "remote.git"),
				"REMOTE_URL":          filepath.Join(env.WorkDir, "remote.git"),
				"CORPUS":              corpus,
				"TZ":                  "UTC",
				"NO_COLOR":            "1",
			} {
				env.Setenv(k, v)
			}
			// Under -race every memgit process would sleep a second at exit
			// waiting for late race reports; memgit leaves no goroutines.
			env.Setenv("GORACE", strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
			if remote != nil {
				remote(env)
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond != "corpus" {
				return false, fmt.Errorf("unknown condition %q", cond)
			}
			_, err := os.Stat(filepath.Join(corpus, "claude"))
			return err == nil, nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status":   cmdStatus,
			"hookjson": cmdHookJSON,
			"expand":   cmdExpand,
		},
	}
}

// cmdStatus runs a program and checks its exit status:
// status N prog args...
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: %v", err)
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("status: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// cmdHookJSON checks that the last stdout is one SessionStart hook output:
// valid JSON of Claude Code's structured form, with its context under the
// limit Claude Code cuts at. hookjson FILE reads a file instead.
func cmdHookJSON(ts *testscript.TestScript, neg bool, args []string) {
	data := ts.ReadFile("stdout")
	if len(args) == 1 {
		data = ts.ReadFile(args[0])
	}
	var out hookOutput
	dec := json.NewDecoder(strings.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&out)
	if err == nil && dec.More() {
		err = fmt.Errorf("more than one JSON value")
	}
	ok := err == nil && out.HookSpecificOutput.HookEventName == "SessionStart" &&
		out.HookSpecificOutput.AdditionalContext != "" && len(out.HookSpecificOutput.AdditionalContext) <= hookContextLimit
	if ok == neg {
		ts.Fatalf("hook output valid=%v (err %v, event %q, %d bytes of context)", ok, err,
			out.HookSpecificOutput.HookEventName, len(out.HookSpecificOutput.AdditionalContext))
	}
}

// cmdExpand replaces $VARS in files with the script's environment, for
// payloads that must name paths of the test's own directory.
func cmdExpand(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: expand FILE...")
	}
	for _, f := range args {
		text := os.Expand(ts.ReadFile(f), ts.Getenv)
		ts.Check(os.WriteFile(ts.MkAbs(f), []byte(text), 0o666))
	}
}
