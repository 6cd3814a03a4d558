package sarif

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/entratoken/entratoken/internal/finding"
)

func TestWrite(t *testing.T) {
	var b bytes.Buffer
	err := Write(&b, "1.2.3", []Result{
		{Finding: finding.Finding{Code: finding.PolicyNoAudience, Severity: finding.SeverityWarning, Message: "no audience", Fix: "add one"}, File: "apis/orders/policy.xml", Line: 4},
		{Finding: finding.Finding{Code: finding.PolicyInvalid, Severity: finding.SeverityError, Message: "typo"}, File: "policy.xml", Line: 2},
		{Finding: finding.Finding{Code: finding.PolicyNoAudience, Severity: finding.SeverityError, Message: "again"}, File: "apis/x/policy.xml"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string
					Rules []struct {
						ID                   string `json:"id"`
						DefaultConfiguration struct{ Level string }
					}
				}
			}
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           *struct{ StartLine int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Version != "2.1.0" || len(got.Runs) != 1 || got.Runs[0].Tool.Driver.Name != "entratoken" {
		t.Fatalf("log: %s", b.String())
	}
	rules := got.Runs[0].Tool.Driver.Rules
	if len(rules) != 2 || rules[0].ID != "POLICY_INVALID" || rules[1].ID != "POLICY_NO_AUDIENCE" || rules[1].DefaultConfiguration.Level != "error" {
		t.Errorf("rules: %+v", rules)
	}
	r := got.Runs[0].Results
	if len(r) != 3 || r[0].RuleID != "POLICY_NO_AUDIENCE" || r[0].RuleIndex != 1 || r[0].Level != "warning" ||
		r[0].Message.Text != "no audience Fix: add one" || r[0].Locations[0].PhysicalLocation.ArtifactLocation.URI != "apis/orders/policy.xml" ||
		r[0].Locations[0].PhysicalLocation.Region.StartLine != 4 {
		t.Errorf("result 0: %+v", r[0])
	}
	if r[2].Locations[0].PhysicalLocation.Region != nil {
		t.Errorf("a result without a line has no region: %+v", r[2])
	}
}

func TestAnnotate(t *testing.T) {
	var b bytes.Buffer
	Annotate(&b, []Result{
		{Finding: finding.Finding{Code: "POLICY_INVALID", Severity: finding.SeverityError, Message: "100% wrong\nsecond line"}, File: "a,b:c.xml", Line: 3},
		{Finding: finding.Finding{Code: "X", Severity: finding.SeverityWarning, Message: "not annotated"}, File: "w.xml"},
	})
	want := "::error file=a%2Cb%3Ac.xml,line=3,title=POLICY_INVALID::100%25 wrong%0Asecond line\n"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
	if strings.Contains(b.String(), "not annotated") {
		t.Error("a warning was annotated")
	}
}
