// Command bench measures memgit against DESIGN's performance targets on a
// store of many sessions, each operation as a fresh process, and times git's
// own plumbing doing the same writes and reads in the same run.
//
//	go run ./bench [-sessions 10000] [-runs 25] [-big-mb 100]
//
// It builds the memgit binary, fills a repository with one commit per
// session (documents extracted from the demo transcript, spread over two
// years) and a checkpoint, packs it with git gc, then times save, show,
// log, restore, diff and a sync with a teammate, and the peak memory of
// saving a large transcript. Nothing outside a temporary directory is
// touched.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/memgit/memgit/extract"
	"github.com/memgit/memgit/format"
	"github.com/memgit/memgit/gitstore"
)

func main() {
	sessions := flag.Int("sessions", 10000, "sessions in the store")
	runs := flag.Int("runs", 25, "timed runs per operation")
	bigMB := flag.Int("big-mb", 100, "size of the large transcript for the peak-memory run (0 skips it)")
	keep := flag.Bool("keep", false, "keep the temporary directory")
	flag.Parse()
	if err := run(*sessions, *runs, *bigMB, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(sessions, runs, bigMB int, keep bool) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "memgit-bench-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Fprintln(os.Stderr, "keeping", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	bin := filepath.Join(tmp, "memgit")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/memgit").CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, out)
	}
	repo := filepath.Join(tmp, "repo")
	if out, err := exec.Command("git", "init", "-q", "-b", "main", repo).CombinedOutput(); err != nil {
		return fmt.Errorf("git init: %v\n%s", err, out)
	}
	env := append(os.Environ(), "GIT_AUTHOR_NAME=Bench", "GIT_AUTHOR_EMAIL=bench@example.com",
		"GIT_COMMITTER_NAME=Bench", "GIT_COMMITTER_EMAIL=bench@example.com")
	for _, kv := range env[len(env)-4:] {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}

	fmt.Printf("memgit bench: %d sessions, %d runs per operation, %s/%s, %d CPUs, %s\n\n",
		sessions, runs, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), time.Now().UTC().Format(time.RFC3339))

	start := time.Now()
	ids, transcriptBytes, err := fill(ctx, repo, sessions)
	if err != nil {
		return err
	}
	fillTime := time.Since(start)
	// A checkpoint in the middle of the store's life, packed like the rest.
	cp := exec.Command(bin, "checkpoint", "bench-checkpoint", "--next", "resume here")
	cp.Dir, cp.Env = repo, env
	if out, err := cp.CombinedOutput(); err != nil {
		return fmt.Errorf("checkpoint: %v\n%s", err, out)
	}
	loose := dirSize(filepath.Join(repo, ".git", "objects"))
	if out, err := exec.Command("git", "-C", repo, "gc", "-q").CombinedOutput(); err != nil {
		return fmt.Errorf("git gc: %v\n%s", err, out)
	}
	packed := dirSize(filepath.Join(repo, ".git", "objects", "pack"))
	fmt.Printf("store: %d sessions in %d commits, filled in-process in %s (%.2f ms per save)\n",
		sessions, sessions, fillTime.Round(time.Millisecond), float64(fillTime.Microseconds())/1000/float64(sessions))
	fmt.Printf("bytes: loose %s, packed %s = %d bytes per session; the transcripts they came from: %d bytes each (%.0fx smaller)\n\n",
		human(loose), human(packed), packed/int64(sessions), transcriptBytes, float64(transcriptBytes)/float64(packed/int64(sessions)))

	big2, err := synthTranscript(filepath.Join(tmp, "2mb.jsonl"), 2<<20)
	if err != nil {
		return err
	}
	r := &runner{bin: bin, repo: repo, env: env, runs: runs}
	showID := ids[len(ids)/2]
	showPath, err := docPath(repo, showID)
	if err != nil {
		return err
	}

	fmt.Println("| operation | target | memgit median | memgit p90 | git plumbing median | memgit / git |")
	fmt.Println("|---|---|---|---|---|---|")
	n := 0
	r.compare("save of a 2 MB transcript", 50*time.Millisecond,
		func() []string {
			n++
			return []string{"save", "--transcript", big2, "--session", "bench-save-" + strconv.Itoa(n)}
		},
		func() error { return gitSave(repo, env, n) })
	r.compare("show", 20*time.Millisecond,
		func() []string { return []string{"show", showID} },
		func() error { return gitCmd(repo, env, "cat-file", "-p", "memgit:"+showPath) })
	r.compare("log (newest 20)", 100*time.Millisecond,
		func() []string { return []string{"log"} },
		func() error { return gitCmd(repo, env, "log", "-n", "20", "--format=%H %s", "memgit") })
	r.compare("restore latest", 20*time.Millisecond,
		func() []string { return []string{"restore", "latest"} },
		func() error { return gitCmd(repo, env, "cat-file", "-p", "memgit:"+showPath) })
	r.compare("restore a checkpoint", 20*time.Millisecond,
		func() []string { return []string{"restore", "bench-checkpoint"} },
		func() error { return gitCmd(repo, env, "cat-file", "-p", "memgit:"+showPath) })
	r.compare("SessionStart hook (restore --hook)", 30*time.Millisecond,
		func() []string { return []string{"restore", "latest", "--hook"} },
		func() error { return gitCmd(repo, env, "cat-file", "-p", "memgit:"+showPath) })
	r.compare("diff memgit~1 memgit", 100*time.Millisecond,
		func() []string { return []string{"diff", "memgit~1", "memgit"} },
		func() error { return gitCmd(repo, env, "diff", "--stat", "memgit~1", "memgit") })
	fmt.Println()

	if err := r.sync(tmp); err != nil {
		return err
	}

	if err := r.stopHook(filepath.Join(tmp, "hook.jsonl"), 50<<20); err != nil {
		return err
	}

	if bigMB > 0 {
		bigPath, err := synthTranscript(filepath.Join(tmp, "big.jsonl"), bigMB<<20)
		if err != nil {
			return err
		}
		cmd := exec.Command(bin, "save", "--transcript", bigPath, "--session", "bench-big")
		cmd.Dir, cmd.Env = repo, env
		t0 := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("big save: %v\n%s", err, out)
		}
		rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss * 1024
		fmt.Printf("peak memory saving a %d MB transcript: %s (target ≤ 100 MB), in %s\n", bigMB, human(rss), time.Since(t0).Round(time.Millisecond))
	}
	return nil
}

// fill writes one session per commit through gitstore, as many saves would.
func fill(ctx context.Context, repo string, n int) ([]string, int64, error) {
	tmpl, err := extract.ClaudeFile(ctx, "testdata/demo/session.jsonl", extract.Options{})
	if err != nil {
		return nil, 0, err
	}
	fi, _ := os.Stat("testdata/demo/session.jsonl")
	s, err := gitstore.Discover(ctx, repo, gitstore.Options{})
	if err != nil {
		return nil, 0, err
	}
	base := time.Date(2024, 12, 1, 9, 0, 0, 0, time.UTC)
	step := 2 * 365 * 24 * time.Hour / time.Duration(n)
	ids := make([]string, n)
	for i := range n {
		doc := *tmpl
		doc.ID = fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", i*2654435761&0xffffffff, i&0xffff, i&0xfff, (i*7)&0xfff, i)
		ids[i] = doc.ID
		doc.CreatedAt = base.Add(time.Duration(i) * step)
		doc.EndedAt = doc.CreatedAt.Add(40 * time.Minute)
		doc.Title = fmt.Sprintf("Session %d: %s", i, tmpl.Title)
		doc.Status = format.StatusComplete
		data, err := format.MarshalYAML(&doc)
		if err != nil {
			return nil, 0, err
		}
		path := format.SessionPath(doc.ID, doc.CreatedAt)
		_, err = s.Update(ctx, gitstore.UpdateOptions{Create: i == 0}, func(tx *gitstore.Tx) error {
			tx.Message = gitstore.Message{Subject: "Save session " + doc.ID[:8], Trailers: []gitstore.Trailer{{Key: "Memgit-Kind", Value: "session"}, {Key: "Memgit-Session", Value: doc.ID}}}
			if i == 0 {
				if err := tx.Put(format.ConfigPath, format.ConfigFile()); err != nil {
					return err
				}
			}
			return tx.Put(path, data)
		})
		if err != nil {
			return nil, 0, err
		}
	}
	return ids, fi.Size(), nil
}

// synthTranscript writes a Claude Code transcript of about size bytes by
// repeating the demo session's turns with fresh ids, so every API response
// and tool call is distinct.
func synthTranscript(path string, size int) (string, error) {
	demo, err := os.ReadFile("testdata/demo/session.jsonl")
	if err != nil {
		return "", err
	}
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	filler := strings.Repeat("output line of a long build log ", 64)
	written := 0
	for round := 0; written < size; round++ {
		tag := fmt.Sprintf("R%06d", round)
		chunk := bytes.ReplaceAll(demo, []byte("msg_01Demo"), []byte("msg_01"+tag))
		chunk = bytes.ReplaceAll(chunk, []byte("req_011Demo"), []byte("req_011"+tag))
		chunk = bytes.ReplaceAll(chunk, []byte("toolu_01Demo"), []byte("toolu_01"+tag))
		chunk = bytes.ReplaceAll(chunk, []byte("2 passed in 0.02s"), []byte(filler))
		n, err := f.Write(chunk)
		if err != nil {
			return "", err
		}
		written += n
	}
	return path, nil
}

type runner struct {
	bin, repo string
	env       []string
	runs      int
}

// compare times memgit and the git plumbing equivalent, alternating runs
// so both see the same machine state.
func (r *runner) compare(name string, target time.Duration, args func() []string, git func() error) {
	var mg, gt []time.Duration
	for range r.runs {
		cmd := exec.Command(r.bin, args()...)
		cmd.Dir, cmd.Env = r.repo, r.env
		t0 := time.Now()
		out, err := cmd.CombinedOutput()
		mg = append(mg, time.Since(t0))
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n%s", name, err, out)
			return
		}
		t0 = time.Now()
		if err := git(); err != nil {
			fmt.Fprintf(os.Stderr, "%s (git): %v\n", name, err)
			return
		}
		gt = append(gt, time.Since(t0))
	}
	m, g := pct(mg, 50), pct(gt, 50)
	verdict := "ok"
	if m > target {
		verdict = "OVER"
	}
	fmt.Printf("| %s | ≤ %s | %s (%s) | %s | %s | %.2f |\n", name, target, ms(m), verdict, ms(pct(mg, 90)), ms(g), float64(m)/float64(g))
}

// stopHook times Claude Code's Stop hook on a long session: the transcript
// is size bytes, and before each timed run one more turn is appended, as
// between two real Stop events.
func (r *runner) stopHook(path string, size int) error {
	if _, err := synthTranscript(path, size); err != nil {
		return err
	}
	demo, err := os.ReadFile("testdata/demo/session.jsonl")
	if err != nil {
		return err
	}
	payload := fmt.Sprintf(`{"session_id":"bench-hook","transcript_path":%q,"cwd":%q,"hook_event_name":"Stop"}`, path, r.repo)
	hook := func() (time.Duration, error) {
		cmd := exec.Command(r.bin, "hook", "claude", "stop")
		cmd.Dir, cmd.Env, cmd.Stdin = r.repo, r.env, strings.NewReader(payload)
		t0 := time.Now()
		out, err := cmd.CombinedOutput()
		if err == nil && len(out) > 0 {
			err = fmt.Errorf("%s", out)
		}
		return time.Since(t0), err
	}
	first, err := hook()
	if err != nil {
		return fmt.Errorf("stop hook: %v", err)
	}
	var times []time.Duration
	for i := range r.runs {
		tag := fmt.Sprintf("T%06d", i)
		turn := bytes.ReplaceAll(demo, []byte("msg_01Demo"), []byte("msg_01"+tag))
		turn = bytes.ReplaceAll(turn, []byte("req_011Demo"), []byte("req_011"+tag))
		turn = bytes.ReplaceAll(turn, []byte("toolu_01Demo"), []byte("toolu_01"+tag))
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		_, err = f.Write(turn)
		f.Close()
		if err != nil {
			return err
		}
		d, err := hook()
		if err != nil {
			return fmt.Errorf("stop hook: %v", err)
		}
		times = append(times, d)
	}
	fmt.Printf("Stop hook on a %d MB transcript: first turn %s (parses it all); later turns median %s, p90 %s (target < 100 ms)\n",
		size>>20, ms(first), ms(pct(times, 50)), ms(pct(times, 90)))
	return nil
}

// gitSave does with git's plumbing what one memgit save writes: a blob, the
// four trees on its path, a commit with trailers and a checked ref update.
func gitSave(repo string, env []string, n int) error {
	out := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env, cmd.Stdin = repo, env, strings.NewReader(stdin)
		b, err := cmd.Output()
		return strings.TrimSpace(string(b)), err
	}
	doc := fmt.Sprintf("memgit: 1\nkind: session\nid: git-bench-%d\n", n)
	blob, err := out(doc, "hash-object", "-w", "--stdin")
	if err != nil {
		return err
	}
	tip, err := out("", "rev-parse", "memgit")
	if err != nil {
		return err
	}
	month, err := out("", "rev-parse", "memgit:sessions/2026/11")
	if err != nil {
		month = ""
	}
	listing := ""
	if month != "" {
		listing, _ = out("", "ls-tree", month)
		listing += "\n"
	}
	mt, err := out(listing+fmt.Sprintf("100644 blob %s\tgit-bench-%d.yaml\n", blob, n), "mktree")
	if err != nil {
		return err
	}
	yl, _ := out("", "ls-tree", "memgit:sessions/2026")
	yt, err := out(replaceEntry(yl, "11", mt), "mktree")
	if err != nil {
		return err
	}
	sl, _ := out("", "ls-tree", "memgit:sessions")
	st, err := out(replaceEntry(sl, "2026", yt), "mktree")
	if err != nil {
		return err
	}
	rl, _ := out("", "ls-tree", "memgit")
	rt, err := out(replaceEntry(rl, "sessions", st), "mktree")
	if err != nil {
		return err
	}
	c, err := out(fmt.Sprintf("Save session git-bench-%d\n\nMemgit-Kind: session\n", n), "commit-tree", rt, "-p", tip)
	if err != nil {
		return err
	}
	_, err = out("", "update-ref", "refs/heads/memgit", c, tip)
	return err
}

// replaceEntry sets the tree entry name to hash in an ls-tree listing.
func replaceEntry(listing, name, hash string) string {
	var b strings.Builder
	found := false
	for _, l := range strings.Split(listing, "\n") {
		if l == "" {
			continue
		}
		if strings.HasSuffix(l, "\t"+name) {
			l, found = "040000 tree "+hash+"\t"+name, true
		}
		b.WriteString(l + "\n")
	}
	if !found {
		b.WriteString("040000 tree " + hash + "\t" + name + "\n")
	}
	return b.String()
}

// sync times memgit sync against a teammate: before each run the teammate
// saved a session and pushed, and this clone saved one, so both sides are
// one commit apart on the store's long history and sync must fetch, find
// the merge base, merge and push, through a bare repository by path. Git's
// plumbing does the same between its runs: fetch, merge-tree (which finds
// the base), commit-tree, update-ref, push.
func (r *runner) sync(tmp string) error {
	remote, mate := filepath.Join(tmp, "remote.git"), filepath.Join(tmp, "mate")
	summary := filepath.Join(tmp, "summary.yaml")
	if err := os.WriteFile(summary, []byte("title: a teammate's session\n"), 0o644); err != nil {
		return err
	}
	memgit := func(dir string, args ...string) error {
		cmd := exec.Command(r.bin, args...)
		cmd.Dir, cmd.Env = dir, r.env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("memgit %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	git := func(dir string, args ...string) (string, error) {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = dir, r.env
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("git %s: %v", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out)), nil
	}
	for _, step := range [][]string{
		{tmp, "clone", "-q", "--bare", r.repo, remote},
		{r.repo, "remote", "add", "origin", remote},
		{tmp, "init", "-q", "-b", "main", mate},
		{mate, "remote", "add", "origin", remote},
	} {
		if _, err := git(step[0], step[1:]...); err != nil {
			return err
		}
	}
	if err := memgit(mate, "pull"); err != nil {
		return err
	}
	// diverge: the teammate saves and pushes, this clone saves.
	n := 0
	diverge := func() error {
		n++
		if err := memgit(mate, "save", "--session", fmt.Sprintf("mate-%d", n), "--summary", summary); err != nil {
			return err
		}
		if err := memgit(mate, "sync"); err != nil {
			return err
		}
		return memgit(r.repo, "save", "--session", fmt.Sprintf("ours-%d", n), "--summary", summary)
	}
	var mg, gt []time.Duration
	for range r.runs {
		if err := diverge(); err != nil {
			return err
		}
		t0 := time.Now()
		if err := memgit(r.repo, "sync"); err != nil {
			return err
		}
		mg = append(mg, time.Since(t0))

		if err := diverge(); err != nil {
			return err
		}
		t0 = time.Now()
		if _, err := git(r.repo, "fetch", "-q", "--no-tags", "origin", "+refs/heads/memgit:refs/remotes/origin/memgit"); err != nil {
			return err
		}
		tree, err := git(r.repo, "merge-tree", "--write-tree", "memgit", "refs/remotes/origin/memgit")
		if err != nil {
			return err
		}
		commit, err := git(r.repo, "commit-tree", tree, "-p", "memgit", "-p", "refs/remotes/origin/memgit", "-m", "Merge")
		if err != nil {
			return err
		}
		if _, err := git(r.repo, "update-ref", "refs/heads/memgit", commit); err != nil {
			return err
		}
		if _, err := git(r.repo, "push", "-q", "origin", "memgit"); err != nil {
			return err
		}
		gt = append(gt, time.Since(t0))
	}
	m, g := pct(mg, 50), pct(gt, 50)
	fmt.Printf("sync with a teammate one commit apart (fetch, merge base, merge, push; path remote): memgit %s (p90 %s), git plumbing %s, ratio %.2f\n\n",
		ms(m), ms(pct(mg, 90)), ms(g), float64(m)/float64(g))
	return nil
}

func gitCmd(repo string, env []string, args ...string) error {
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = repo, env
	return cmd.Run()
}

func docPath(repo, id string) (string, error) {
	out, err := exec.Command("git", "-C", repo, "ls-tree", "-r", "--name-only", "memgit", "sessions").Output()
	if err != nil {
		return "", err
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasSuffix(l, "/"+id+".yaml") {
			return l, nil
		}
	}
	return "", fmt.Errorf("session %s not in the store", id)
}

func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

func human(b int64) string {
	switch {
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%d B", b)
}
