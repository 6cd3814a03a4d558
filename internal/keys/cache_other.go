//go:build !unix

package keys

import (
	"fmt"
	"io/fs"
	"os"
)

// openEntry refuses a symbolic link (checked just before opening: this
// platform has no O_NOFOLLOW) and opens the file; the caller then requires a
// regular file.
func openEntry(path string) (*os.File, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("%s is a symbolic link: cache entries are never followed", path)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, fi.Mode().Type())
	}
	return os.Open(path)
}

// ownerOf: file ownership is not a uid here; the mode check stands alone.
func ownerOf(fs.FileInfo) (int, bool) { return 0, false }

// checkMode: the permission bits Go reports here do not describe who may
// write (Windows ACLs); only symbolic links and file types are checked.
const checkMode = false
