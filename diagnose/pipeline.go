package diagnose

// This file holds the statements that change the request or the answer as
// the pipeline runs: set-variable, the rewrites a later validation reads
// (set-header, set-query-parameter, authentication-managed-identity,
// rewrite-uri), and on-error.

import (
	"fmt"
	"strings"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/policy"
)

// setVariable records a variable whose value can be known offline, so a
// later condition on it can be evaluated; one that cannot is left unset, and
// a condition reading it is POLICY_UNSUPPORTED.
func (w *walker) setVariable(n *Node) {
	name, v := strings.TrimSpace(n.AttrOr("name", "")), n.AttrOr("value", "")
	delete(w.e.req.Variables, name)
	if !policy.IsExpression(v) {
		w.e.req.Variables[name] = v
		return
	}
	if b, err := EvalCondition(v, w.e.req); err == nil {
		w.e.req.Variables[name] = b
	} else if s, err := EvalString(v, w.e.req); err == nil {
		w.e.req.Variables[name] = s
	}
}

// rewrite applies a statement that changes what a later validation reads.
func (w *walker) rewrite(n *Node) {
	if w.rewritten == nil {
		w.rewritten = map[string]*policy.Node{}
	}
	switch n.Name {
	case "set-header":
		name := strings.ToLower(strings.TrimSpace(n.AttrOr("name", "")))
		action := strings.ToLower(n.AttrOr("exists-action", "override"))
		_, had := lookupHeader(w.e.req.Headers, name)
		if action == "skip" && had {
			return
		}
		var vals []string
		for _, v := range n.All("value") {
			vals = append(vals, strings.TrimSpace(v.Text))
		}
		for k := range w.e.req.Headers {
			if strings.EqualFold(k, name) && action != "append" {
				delete(w.e.req.Headers, k)
			}
		}
		if action != "delete" && len(vals) > 0 {
			w.e.req.Headers[n.AttrOr("name", "")] = strings.Join(vals, ",")
		}
		w.rewritten["header:"+name] = n
	case "set-query-parameter":
		w.rewritten["query:"+strings.ToLower(n.AttrOr("name", ""))] = n
	case "authentication-managed-identity":
		w.rewritten["header:"+strings.ToLower(n.AttrOr("output-token-variable-name", "authorization"))] = n
		if _, ok := n.Attr("output-token-variable-name"); !ok {
			w.e.req.Headers["Authorization"] = "Bearer (the gateway's managed identity token)"
			w.rewritten["header:authorization"] = n
		}
	case "rewrite-uri":
		if strings.EqualFold(n.AttrOr("copy-unmatched-params", "true"), "false") {
			w.rewritten["query:*"] = n
		}
	}
}

// noteRewrite reports that a validation reads what an earlier statement
// changed: it judges the rewritten request, not what the client sent.
func (w *walker) noteRewrite(n *Node) {
	header := strings.ToLower(n.AttrOr("header-name", ""))
	if header == "" && n.AttrOr("query-parameter-name", "") == "" && n.AttrOr("token-value", "") == "" {
		header = "authorization"
	}
	if n.Name == "check-header" {
		header = strings.ToLower(n.AttrOr("name", ""))
	}
	by := w.rewritten["header:"+header]
	if q := strings.ToLower(n.AttrOr("query-parameter-name", "")); q != "" && by == nil {
		by = w.rewritten["query:"+q]
		if by == nil {
			by = w.rewritten["query:*"]
		}
	}
	if by == nil {
		return
	}
	f := finding.Finding{Code: finding.RequestRewritten, Severity: finding.SeverityWarning, Side: finding.SideAPIM, Line: n.Line,
		Message:  fmt.Sprintf("the %s at %s runs before this %s and changes what it reads: it validates the rewritten request, not what the client sent", policy.Label(by), policy.Where(by), policy.Label(n)),
		Expected: "the validation before any statement that rewrites " + strings.TrimPrefix(header, "header:"), Actual: policy.Label(by) + " first",
		Fix: "move " + policy.Label(n) + " before " + policy.Label(by)}
	if by.Name == "authentication-managed-identity" {
		f.Severity = finding.SeverityError
		f.Message = fmt.Sprintf("the authentication-managed-identity at %s replaces Authorization with the gateway's own token before this %s: it validates APIM's token, not the client's", policy.Where(by), policy.Label(n))
		if !w.decided {
			w.unknown = true
		}
	}
	w.note(f)
}

// onError runs the on-error section after a refusal: a return-response or
// set-status / set-body there replaces what the client gets.
func (w *walker) onError(nodes []*Node) {
	for _, n := range nodes {
		switch n.Name {
		case "base":
			w.onError(n.Children)
		case "include-fragment":
			w.onError(n.Children)
		case "return-response":
			o := returnResponse(n)
			w.rep.Status = o.status
			if b := n.Child("set-body"); b != nil {
				w.rep.Message = strings.TrimSpace(b.Text)
			}
			w.mark(n, fmt.Sprintf("answers %d instead", o.status))
			w.note(onErrorNote(n, o.status))
			return
		case "set-status":
			var code int
			if _, err := fmt.Sscan(n.AttrOr("code", ""), &code); err == nil && code > 0 {
				w.rep.Status = code
				w.mark(n, fmt.Sprintf("sets status %d", code))
				w.note(onErrorNote(n, code))
			}
		case "set-body":
			w.rep.Message = strings.TrimSpace(n.Text)
			w.mark(n, "replaces the body")
		case "choose":
			w.note(finding.Finding{Code: finding.PolicyUnsupported, Severity: finding.SeverityInfo, Side: finding.SideAPIM, Line: n.Line, Source: policy.Source(n), Explains: true,
				Message: "the on-error section chooses on the error (context.LastError), which entratoken does not evaluate: the client may get another status or body than the one shown"})
		}
	}
}

func onErrorNote(n *Node, status int) finding.Finding {
	return finding.Finding{Code: finding.PolicyUnsupported, Severity: finding.SeverityInfo, Side: finding.SideAPIM, Line: n.Line, Source: policy.Source(n), Explains: true,
		Message: fmt.Sprintf("the on-error section's %s at %s replaces the refusal: the client gets status %d", policy.Label(n), policy.Where(n), status)}
}
