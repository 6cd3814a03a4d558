package call

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// The bounds of --repeat and --concurrency (spec/cli.md, "Network rules"):
// enough to measure a gateway's latency and see its rate limit, not enough
// to turn the tool into a load generator or exhaust this machine.
const (
	MaxRepeat      = 100000
	MaxConcurrency = 64
)

// Summary is what --repeat reports.
type Summary struct {
	Count        int            `json:"count"`
	Concurrency  int            `json:"concurrency"`
	StatusCounts map[string]int `json:"status_counts"`
	Errors       int            `json:"transport_errors"`
	Latency      Percentiles    `json:"latency_ms"`
	Elapsed      time.Duration  `json:"-"`
	ElapsedMS    float64        `json:"elapsed_ms"`
	FirstError   string         `json:"first_error,omitempty"`
}

// Percentiles of request latency, in milliseconds.
type Percentiles struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// Repeat sends r n times with at most c in flight, the same token for all
// (it was acquired once), and summarizes statuses and latencies. n and c are
// held to [1, MaxRepeat] and [1, MaxConcurrency]; callers refuse values
// beyond them before getting here, and nothing is allocated by n up front.
func Repeat(ctx context.Context, client *http.Client, r Request, n, c int) Summary {
	n = max(1, min(n, MaxRepeat))
	c = max(1, min(c, MaxConcurrency, n))
	s := Summary{Count: n, Concurrency: c, StatusCounts: map[string]int{}}
	var lat []time.Duration // grows with the answers that came, not with n
	var mu sync.Mutex
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				resp, err := Do(ctx, client, r)
				mu.Lock()
				if err != nil {
					s.Errors++
					if s.FirstError == "" {
						s.FirstError = err.Error()
					}
				} else {
					s.StatusCounts[strconv.Itoa(resp.Status)]++
					lat = append(lat, resp.Timing.Total)
				}
				mu.Unlock()
			}
		}()
	}
send:
	for range n {
		select {
		case jobs <- struct{}{}:
		case <-ctx.Done():
			break send
		}
	}
	close(jobs)
	wg.Wait()
	s.Elapsed = time.Since(start)
	s.ElapsedMS = ms(s.Elapsed)
	slices.Sort(lat)
	if len(lat) > 0 {
		at := func(p float64) float64 { return ms(lat[min(len(lat)-1, int(p*float64(len(lat))))]) }
		s.Latency = Percentiles{P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: ms(lat[len(lat)-1])}
	}
	return s
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
