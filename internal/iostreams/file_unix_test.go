//go:build unix

package iostreams

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A file the user names is read within the wait and the size bound, whatever
// it is: a FIFO with no writer, one whose writer never stops, a symbolic link
// to /dev/zero. A FIFO that delivers is read like a file (process
// substitution: --client-secret-file <(pass show app)).
func TestReadFileBoundsFIFOsAndDevices(t *testing.T) {
	SetReadWait(300 * time.Millisecond)
	defer SetReadWait(0)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := ReadFile(fifo, 1<<10); !errors.Is(err, ErrNoData) {
		t.Errorf("FIFO with no writer: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("FIFO with no writer took %v, bound 300ms", d)
	}

	// Each case has its own FIFO: the opener the first case gave up on is
	// still waiting on that one (in the tool, until the process ends).
	fifo = filepath.Join(dir, "fifo2")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	SetReadWait(10 * time.Second)
	go func() { // a writer that sends a token and stops
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			w.WriteString("eyJ.x.y\n")
			w.Close()
		}
	}()
	if b, err := ReadFile(fifo, 1<<10); err != nil || string(b) != "eyJ.x.y\n" {
		t.Errorf("FIFO with a writer: %q %v", b, err)
	}

	SetReadWait(300 * time.Millisecond)
	fifo = filepath.Join(dir, "fifo3")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	stuck := make(chan struct{})
	defer close(stuck)
	go func() { // a writer that opens and never writes nor closes
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			<-stuck
			w.Close()
		}
	}()
	start = time.Now()
	if _, err := ReadFile(fifo, 1<<10); !errors.Is(err, ErrNoData) || time.Since(start) > 2*time.Second {
		t.Errorf("FIFO whose writer stalls: %v after %v", err, time.Since(start))
	}

	zero := filepath.Join(dir, "zero")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(zero, 1<<20); err == nil || !strings.Contains(err.Error(), "larger than 1024 KiB") {
		t.Errorf("/dev/zero: %v", err)
	}
	if _, err := ReadFile(dir, 1<<10); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("directory: %v", err)
	}
}
