// Package gittest serves git repositories on loopback for tests: git's own
// daemon (git://) and smart HTTP through git http-backend behind basic
// auth, as a hosting service does. Both skip the test when the server
// program is not installed.
package gittest

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The smart HTTP server's one account.
const (
	HTTPUser     = "alice"
	HTTPPassword = "s3cret-pw"
)

// HTTPServer serves the repositories under a directory over smart HTTP on
// loopback, with git's own http-backend behind basic auth, as a hosting
// service does.
type HTTPServer struct {
	srv *httptest.Server

	mu     sync.Mutex
	agents []string // User-Agent of each request, to tell which client came
}

// NewHTTPServer serves the repositories under base until the test ends. It
// skips the test when git-http-backend is not installed.
func NewHTTPServer(t testing.TB, base string) *HTTPServer {
	t.Helper()
	execPath, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Skipf("no git: %v", err)
	}
	backend := filepath.Join(strings.TrimSpace(string(execPath)), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		t.Skipf("git http-backend is not installed: %v", err)
	}
	stderr := &syncBuffer{}
	cgiHandler := cgi.Handler{
		Path: backend,
		Dir:  base,
		Env: []string{
			"GIT_PROJECT_ROOT=" + base, "GIT_HTTP_EXPORT_ALL=1",
			// The CGI environment is built from scratch: no user or
			// system configuration reaches the server.
			"HOME=" + t.TempDir(), "GIT_CONFIG_NOSYSTEM=1",
		},
		Stderr: stderr,
	}
	h := &HTTPServer{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.agents = append(h.agents, r.UserAgent())
		h.mu.Unlock()
		user, password, ok := r.BasicAuth()
		if !ok || user != HTTPUser || password != HTTPPassword {
			w.Header().Set("WWW-Authenticate", `Basic realm="memgit"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		// http-backend accepts pushes from an authenticated user only.
		ch := cgiHandler
		ch.Env = append(slices.Clone(cgiHandler.Env), "REMOTE_USER="+user)
		ch.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		h.srv.Close()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("git http-backend said:\n%s", stderr.String())
		}
	})
	return h
}

// URL is the address of the repository base/repo with credentials in it.
func (h *HTTPServer) URL(user, password, repo string) string {
	return strings.Replace(h.srv.URL, "://", "://"+user+":"+password+"@", 1) + "/" + repo
}

// UserAgents returns the User-Agent of every request so far.
func (h *HTTPServer) UserAgents() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.agents)
}

// Daemon serves the repositories under base over git:// on loopback
// until the test ends, and returns its address.
func Daemon(t testing.TB, base string) string {
	t.Helper()
	// Run git-daemon itself: killing a "git daemon" wrapper would leave
	// the daemon it started running.
	execPath, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Skipf("no git: %v", err)
	}
	daemon := filepath.Join(strings.TrimSpace(string(execPath)), "git-daemon")
	if _, err := os.Stat(daemon); err != nil {
		t.Skipf("git daemon is not installed: %v", err)
	}
	for attempt := 0; attempt < 3; attempt++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		var stderr bytes.Buffer
		cmd := exec.Command(daemon, "--export-all", "--enable=receive-pack", "--base-path="+base,
			"--reuseaddr", "--listen=127.0.0.1", fmt.Sprintf("--port=%d", port), base)
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		if waitListening(addr, exited) {
			t.Cleanup(func() {
				cmd.Process.Kill()
				select {
				case <-exited:
				case <-time.After(5 * time.Second):
					t.Errorf("git daemon did not exit")
				}
			})
			return addr
		}
		cmd.Process.Kill()
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
		}
		t.Logf("git daemon did not listen on %s: %s", addr, stderr.String())
	}
	t.Fatalf("git daemon did not start")
	return ""
}

// waitListening waits up to 5 s for addr to accept connections, giving up
// early if the server exits.
func waitListening(addr string, exited chan error) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		select {
		case err := <-exited:
			exited <- err // for the caller's wait
			return false
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Len()
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
