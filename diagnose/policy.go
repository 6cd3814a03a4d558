package diagnose

import "github.com/entratoken/entratoken/policy"

// The policy document lives in package policy; these names keep diagnose's
// API as it was for library callers.
type (
	// Node is one element of a policy document.
	Node = policy.Node
	// Policy is a parsed policy document or fragment.
	Policy = policy.Document
	// ParseError is a policy that cannot be read.
	ParseError = policy.ParseError
)

// Parse reads a policy; see policy.Parse.
func Parse(src []byte, values map[string]string) (*Policy, error) { return policy.Parse(src, values) }

// IsExpression reports whether s is a C# policy expression; see policy.IsExpression.
func IsExpression(s string) bool { return policy.IsExpression(s) }
