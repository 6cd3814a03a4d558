package diagnose

import "github.com/entratoken/entratoken/policy"

// Needed says, before any request, whether the effective policy holds a
// named value or a fragment that could decide a verdict and is not
// available: every validation and every condition of the inbound section is
// looked at, whichever branch a request would take. It is the check call
// makes before it sends, so that a refusal can be diagnosed when it comes.
func Needed(t Target) error {
	w := &walker{values: t.Effective.Values(), raw: "(a token)"}
	var check func(nodes []*policy.Node) error
	check = func(nodes []*policy.Node) error {
		for _, n := range nodes {
			switch n.Name {
			case "validate-jwt", "validate-azure-ad-token", "check-header":
				if err := w.need(n); err != nil {
					return err
				}
			case "when":
				if err := w.needIn(n.AttrOr("condition", ""), n); err != nil {
					return err
				}
			case "include-fragment":
				if !n.Expanded {
					return w.missingFragment(n)
				}
			}
			if err := check(n.Children); err != nil {
				return err
			}
		}
		return nil
	}
	return check(t.Effective.Section("inbound"))
}
