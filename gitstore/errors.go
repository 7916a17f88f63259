package gitstore

import "errors"

// Sentinel errors. Callers test them with errors.Is; the messages wrapped
// around them say which repository, ref or path.
var (
	// ErrNotFound: the path, revision or document does not exist.
	ErrNotFound = errors.New("not found")
	// ErrNoRepository: no git repository where one was expected.
	ErrNoRepository = errors.New("not a git repository")
	// ErrNoBranch: the memory branch does not exist yet.
	ErrNoBranch = errors.New("memory branch does not exist")
	// ErrLocked: another process holds the ref lock and did not let go in time.
	ErrLocked = errors.New("memory branch is locked")
	// ErrConflict: the ref moved in a way memgit will not overwrite.
	ErrConflict = errors.New("memory branch changed concurrently")
	// ErrCorrupt: a ref or object that exists cannot be read.
	ErrCorrupt = errors.New("store is corrupt")
	// ErrBadRef: a ref name git would refuse.
	ErrBadRef = errors.New("invalid ref name")
	// ErrBadPath: a path that cannot be written into a tree.
	ErrBadPath = errors.New("invalid path")
	// ErrMergeConflict: both sides changed a file and nothing resolved it.
	ErrMergeConflict = errors.New("merge conflict")
	// ErrUnrelatedHistories: the two memory branches share no commit.
	ErrUnrelatedHistories = errors.New("memory branches have unrelated histories")
	// ErrNonFastForward: the remote memory branch has commits this one
	// lacks; fetch and merge them, then push again.
	ErrNonFastForward = errors.New("remote memory branch has commits this one lacks")
	// ErrNoRemote: no remote to share memory through.
	ErrNoRemote = errors.New("no remote")
	// ErrUnsupported: a repository memgit cannot safely write to.
	ErrUnsupported = errors.New("unsupported repository")
)
