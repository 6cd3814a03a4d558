package finding

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"testing"
)

// Every finding code the package declares is documented, so that explain
// can explain whatever a command reports.
func TestEveryCodeIsDocumented(t *testing.T) {
	file, err := parser.ParseFile(token.NewFileSet(), "finding.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile(`^[A-Z][A-Z_]+[A-Z]$`)
	n := 0
	ast.Inspect(file, func(node ast.Node) bool {
		lit, ok := node.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		v, _ := strconv.Unquote(lit.Value)
		if code.MatchString(v) {
			n++
			if _, ok := Describe(v); !ok {
				t.Errorf("%s is declared but has no catalogue entry (entratoken explain %s would fail)", v, v)
			}
		}
		return true
	})
	if n < 50 {
		t.Fatalf("found %d codes in finding.go: is the test reading it?", n)
	}
}
