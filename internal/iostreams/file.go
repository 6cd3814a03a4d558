package iostreams

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"
)

// DefaultReadWait is how long ReadFile waits on a file that is not a regular
// file when nothing set another bound.
const DefaultReadWait = 30 * time.Second

var readWait atomic.Int64

// SetReadWait bounds how long ReadFile waits for a FIFO, a device or a
// process substitution to open and to deliver (the factory passes
// --timeout): no file the user names can hang the tool past it.
func SetReadWait(d time.Duration) { readWait.Store(int64(d)) }

func wait() time.Duration {
	if d := time.Duration(readWait.Load()); d > 0 {
		return d
	}
	return DefaultReadWait
}

// ErrNoData is what a FIFO or device that delivers nothing in time ends
// with.
var ErrNoData = errors.New("nothing to read in time (a FIFO or a device with no writer?); --timeout bounds the wait")

// ReadFile reads at most limit bytes of a file the user named (a token, a
// key set, a certificate, a policy, a body): a regular file as it is; a FIFO,
// a device or a process substitution (<(cmd)) within the read wait
// (SetReadWait), for its open as for its data, so a FIFO with no writer or a
// device that never ends cannot hang the tool or fill its memory. Its errors
// say what is wrong without repeating the path ("no such file or
// directory", "larger than 1024 KiB"), since callers name the file
// themselves.
func ReadFile(path string, limit int64) ([]byte, error) {
	deadline := time.Now().Add(wait())
	f, err := openBy(path, deadline)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, pathCause(err)
	}
	switch {
	case fi.IsDir():
		return nil, errors.New("is a directory")
	case fi.Mode().IsRegular():
		return ReadAll(f, limit)
	}
	if f.SetReadDeadline(deadline) == nil {
		b, err := ReadAll(f, limit)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, ErrNoData
		}
		return b, err
	}
	// Not pollable: read aside, and give up at the deadline (closing the
	// file; the reader goroutine ends with the process at worst).
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	go func() {
		b, err := ReadAll(f, limit)
		ch <- result{b, err}
	}()
	select {
	case r := <-ch:
		return r.b, r.err
	case <-time.After(time.Until(deadline)):
		return nil, ErrNoData
	}
}

// openBy opens path, giving up at deadline: opening a FIFO blocks until a
// writer opens it too.
func openBy(path string, deadline time.Time) (*os.File, error) {
	type result struct {
		f   *os.File
		err error
	}
	ch := make(chan result, 1)
	go func() {
		f, err := os.Open(path)
		ch <- result{f, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, pathCause(r.err)
		}
		return r.f, nil
	case <-time.After(time.Until(deadline)):
		go func() { // close it if it ever opens
			if r := <-ch; r.f != nil {
				r.f.Close()
			}
		}()
		return nil, fmt.Errorf("not opened in time: %w", ErrNoData)
	}
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
