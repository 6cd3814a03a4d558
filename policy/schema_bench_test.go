package policy

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// bigPolicy repeats the large real-world policy's inbound statements until
// the document reaches size bytes; typo misspells one policy per copy.
func bigPolicy(tb testing.TB, size int, typo bool) *Document {
	tb.Helper()
	src, err := os.ReadFile("testdata/realworld.xml")
	if err != nil {
		tb.Fatal(err)
	}
	s := string(src)
	body := s[strings.Index(s, "<inbound>")+len("<inbound>") : strings.Index(s, "</inbound>")]
	body = strings.Replace(body, "<base />", "", 1)
	if typo {
		body = strings.Replace(body, "<rewrite-uri", "<rewrite-url", 1)
		body = strings.Replace(body, `<set-variable name="token"`, `<set-variable nmae="token"`, 1)
	}
	var b strings.Builder
	b.WriteString("<policies>\n<inbound>\n")
	for b.Len() < size {
		b.WriteString(body)
	}
	b.WriteString("</inbound>\n</policies>\n")
	return parseAsLint(tb, b.String())
}

func BenchmarkCheck(b *testing.B) {
	for _, size := range []int{256 << 10, 1 << 20} {
		for _, typo := range []bool{false, true} {
			d := bigPolicy(b, size, typo)
			b.Run(fmt.Sprintf("%dKiB/typos=%v", size>>10, typo), func(b *testing.B) {
				b.SetBytes(int64(size))
				for b.Loop() {
					Check(d)
				}
			})
		}
	}
}

// TestCheckBigPolicy: a 1 MiB policy is checked whole, each copy's
// mistake found once.
func TestCheckBigPolicy(t *testing.T) {
	d := bigPolicy(t, 1<<20, true)
	copies := len(d.Root.Child("inbound").All("validate-jwt"))
	got := Check(d)
	if len(got) != 2*copies || copies < 50 {
		t.Fatalf("%d copies, %d problems", copies, len(got))
	}
}

// TestCheckDeepNesting: a policy nested as deeply as Read allows is checked
// without failing (Read refuses deeper ones).
func TestCheckDeepNesting(t *testing.T) {
	const depth = MaxDepth - 3
	src := "<policies><inbound>" + strings.Repeat(`<retry condition="true" count="1" interval="1">`, depth) +
		`<set-varible name="a" value="b" />` + strings.Repeat("</retry>", depth) + "</inbound></policies>"
	got := Check(parseAsLint(t, src))
	if len(got) != 1 || got[0].Suggestion != "set-variable" {
		t.Fatalf("got %v", got)
	}
}
