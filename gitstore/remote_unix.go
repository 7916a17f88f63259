//go:build unix

package gitstore

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// detach runs git in a session of its own, without a controlling terminal:
// GIT_TERMINAL_PROMPT=0 stops git's own prompts, but ssh opens /dev/tty to
// ask for a password or passphrase, or to confirm a host key, and would wait
// for an answer nobody types (memgit runs from agent hooks). Without a
// terminal ssh fails at once instead.
//
// Cancelling kills the whole process group, not only git: its helpers (ssh,
// git-remote-https) hold git's stderr and would keep Wait waiting until
// GitWaitDelay.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Cancel = func() error {
		// A session leader leads its process group: -pid is the group.
		err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if errors.Is(err, syscall.ESRCH) {
			return os.ErrProcessDone
		}
		return err
	}
}
