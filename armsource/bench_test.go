package armsource

import (
	"context"
	"testing"
	"time"

	"github.com/entratoken/entratoken/internal/fakearm"
	"github.com/entratoken/entratoken/internal/fakeentra"
)

// BenchmarkColdRead100ms reads what GET /orders/42 needs from an ARM that
// takes 100 ms per request, in pages of 100 as ARM's lists come: the
// rounds, not the requests, set the wall time.
func BenchmarkColdRead100ms(b *testing.B) {
	c, s := newClient(b, fakeentra.EvidenceContributorClientID, fakeentra.EvidenceContributorObjectID, func(o *fakearm.Options) {
		o.PageSize, o.Latency = 100, 100*time.Millisecond
	})
	for b.Loop() {
		if _, err := c.Read(context.Background(), contoso, Request{Method: "GET", URL: "https://contoso.azure-api.net/orders/42"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(s.TotalHits())/float64(b.N), "requests/op")
}
