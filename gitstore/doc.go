// Package gitstore keeps documents on a git branch without a working tree:
// it finds and opens repositories (plain, bare, linked worktrees, separate
// stores), applies a set of path writes to the branch tip as one commit that
// rewrites only the trees on the changed paths, updates the ref with git's
// own lockfile protocol so concurrent writers never lose a commit, reads
// files at any revision and walks history by commit trailers. It shares the
// branch with teammates: fetch and push through the git binary (go-git when
// git is not installed; never forced), merge base, and a three-way merge by
// tree that hands files both sides changed to a caller's resolver; and it
// can purge paths from the branch's whole history.
//
// It knows paths and bytes, not sessions.
package gitstore
