//go:build !unix

package gitstore

import "os/exec"

// detach does nothing where there are no sessions: GIT_TERMINAL_PROMPT=0
// and an empty stdin are all memgit has to keep git from prompting.
func detach(*exec.Cmd) {}
