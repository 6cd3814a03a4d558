package armsource

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/entratoken/entratoken/internal/fakeentra"
	"github.com/entratoken/entratoken/internal/finding"
)

// A contributor gets a debug credential the gateway accepts for the API it
// names, and the trace recorded under an id.
func TestDebugCredentialAndTrace(t *testing.T) {
	c, s := newClient(t, fakeentra.EvidenceContributorClientID, fakeentra.EvidenceContributorObjectID)
	ctx := context.Background()
	cred, err := c.DebugCredential(ctx, contoso, contoso.ID()+"/apis/orders")
	if err != nil {
		t.Fatal(err)
	}
	if aid, err := s.VerifyDebugCredential(cred, time.Now()); err != nil || aid != "orders" {
		t.Fatalf("the gateway reads the credential as %q, %v", aid, err)
	}
	if _, err := s.VerifyDebugCredential(cred, time.Now().Add(61*time.Minute)); err == nil {
		t.Errorf("the credential outlives an hour")
	}
	raw, err := os.ReadFile("../trace/testdata/idx10205.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RecordTrace("t-1", json.RawMessage(raw)); err != nil {
		t.Fatal(err)
	}
	tr, err := c.Trace(ctx, contoso, "t-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Entries["inbound"]) != 3 || tr.Entries["inbound"][2].Source != "validate-jwt" {
		t.Errorf("trace %+v", tr)
	}
	var te *TraceError
	if _, err := c.Trace(ctx, contoso, "no-such-trace"); !errors.As(err, &te) || te.Finding.Code != finding.TraceUnavailable || !strings.Contains(te.Finding.Message, "not there") {
		t.Errorf("unknown trace: %v", err)
	}
}

// A reader may not: TRACE_UNAVAILABLE naming the action and the role.
func TestReaderGetsNoDebugCredential(t *testing.T) {
	c, _ := newClient(t, fakeentra.EvidenceReaderClientID, fakeentra.EvidenceReaderObjectID)
	ctx := context.Background()
	_, err := c.DebugCredential(ctx, contoso, "orders")
	var te *TraceError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v", err)
	}
	f := te.Finding
	if f.Code != finding.TraceUnavailable || f.Expected != ActionDebugCredentials || !strings.Contains(f.Fix, ContributorRole) {
		t.Errorf("finding %+v", f)
	}
	_, err = c.Trace(ctx, contoso, "t-1")
	if !errors.As(err, &te) || te.Finding.Expected != ActionListTrace {
		t.Errorf("listTrace as a reader: %v", err)
	}
}
