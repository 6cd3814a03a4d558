// Command timeit runs a command many times and prints its median wall time
// in milliseconds and its peak resident set size in KiB. Output and stdin
// are discarded; a run that exits non-zero fails the measurement, so a
// figure is never taken of a command that did not do its job.
//
//	go run ./bench/timeit [-n RUNS] -- CMD [ARGS...]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 200, "runs")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: timeit [-n RUNS] -- CMD [ARGS...]")
		os.Exit(2)
	}
	times := make([]time.Duration, 0, *n)
	var peak int64
	for range *n {
		cmd := exec.Command(args[0], args[1:]...)
		start := time.Now()
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "timeit: %v: %v\n", args, err)
			os.Exit(1)
		}
		times = append(times, time.Since(start))
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			peak = max(peak, ru.Maxrss)
		}
	}
	slices.Sort(times)
	fmt.Printf("%.2f %d\n", float64(times[len(times)/2].Microseconds())/1000, peak)
}
