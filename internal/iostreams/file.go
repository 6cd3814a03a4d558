package iostreams

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ReadFile reads at most limit bytes of a file the user named (a token, a
// key set, a certificate, a policy, a body). Its errors say what is wrong
// without repeating the path ("no such file or directory", "larger than
// 1024 KiB"), since callers name the file themselves.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, pathCause(err)
	}
	defer f.Close()
	return ReadAll(f, limit)
}

// ReadAll reads at most limit bytes from r, refusing more.
func ReadAll(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, pathCause(err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d KiB", limit>>10)
	}
	return b, nil
}

func pathCause(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
