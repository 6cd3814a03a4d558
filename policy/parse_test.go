package policy

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestReadKeepsLinesAndExpressions(t *testing.T) {
	src := "<?xml version=\"1.0\"?>\n<policies>\n  <inbound>\n    <choose>\n      <when condition=\"@(context.Request.Headers.GetValueOrDefault(&quot;x&quot;,&quot;&quot;) != &quot;&quot; && 1 < 2)\">\n" +
		"        <set-variable name=\"v\" value=\"@(&quot;a&quot; + (string)context.Variables[&quot;b&quot;])\" />\n      </when>\n    </choose>\n  </inbound>\n</policies>\n"
	d, err := Read([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	when := d.Inbound()[0].Child("when")
	if when.Line != 5 {
		t.Errorf("when at line %d, want 5", when.Line)
	}
	if c := when.AttrOr("condition", ""); !strings.Contains(c, "&& 1 < 2") || !IsExpression(c) {
		t.Errorf("condition = %q", c)
	}
	if sv := when.Children[0]; sv.Line != 6 || sv.Doc != d {
		t.Errorf("set-variable at line %d, doc %p", sv.Line, sv.Doc)
	}
}

func TestReadSkipsCSharpComments(t *testing.T) {
	src := "<set-variable name=\"v\" value=\"@{\n  // a comment with ) and \" in it\n  /* and ( here */\n  return \"https://x/y\";\n}\" />"
	d, err := Read([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if v := d.Inbound()[0].AttrOr("value", ""); !strings.Contains(v, "return \"https://x/y\";") {
		t.Errorf("value = %q", v)
	}
}

func TestReadFragmentForms(t *testing.T) {
	for _, src := range []string{
		`<fragment><validate-jwt header-name="Authorization"/></fragment>`,
		`<validate-jwt header-name="Authorization"/>`,
		`<inbound><validate-jwt header-name="Authorization"/></inbound>`,
		"<set-header name=\"a\"/>\n<validate-jwt header-name=\"Authorization\"/>",
	} {
		d, err := Read([]byte(src))
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		in := d.Inbound()
		if !d.Fragment || len(in) == 0 || in[len(in)-1].Name != "validate-jwt" {
			t.Errorf("%s: inbound %v", src, in)
		}
	}
}

func TestReadErrors(t *testing.T) {
	for src, want := range map[string]string{
		"":                                "no policy elements",
		"<policies><inbound></policies>":  "line 1: not well-formed XML",
		"<a>\n<b value=\"@(x\" />\n</a>":  "line 2: unterminated policy expression",
		"<a>\n<!-- never closed":          "line 2: unterminated comment",
		strings.Repeat("<a>", MaxDepth+5): "nest deeper than 100",
	} {
		_, err := Read([]byte(src))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.40q: err = %v, want %q", src, err, want)
		}
	}
}

func TestValuesRefs(t *testing.T) {
	for s, want := range map[string]string{
		"{{tenant-id}}":                     "tenant-id",
		"a {{x.y_z-1}} b {{x.y_z-1}} {{w}}": "x.y_z-1 w",
		"{{ body.name }} {{- header.Key }}": "",
		"{{{inner}}}":                       "inner",
		"{{ {{ {{ no }}":                    "",
		"{{}}":                              "",
	} {
		if got := strings.Join(Refs(s), " "); got != want {
			t.Errorf("Refs(%q) = %q, want %q", s, got, want)
		}
	}
	got, missing := Substitute("https://login/{{tenant}}/v2.0 {{nope}} {{secret}}", NamedValues{
		"tenant": {Value: "contoso", HasValue: true}, "secret": {Secret: true},
	})
	if got != "https://login/contoso/v2.0 {{nope}} {{secret}}" || strings.Join(missing, ",") != "nope,secret" {
		t.Errorf("Substitute = %q, missing %v", got, missing)
	}
}

// hostile returns policies of about n bytes in the shapes that were
// quadratic: many lines, many text pieces, many "{{" without "}}", deeply
// parenthesised expressions, '&' runs inside expressions.
func hostile(n int) map[string]string {
	rep := func(s string) string { return strings.Repeat(s, n/len(s)) }
	return map[string]string{
		"lines":   "<policies><inbound>" + rep("<set-header name=\"a\"><value>x</value></set-header>\n") + "</inbound></policies>",
		"text":    "<policies><inbound><set-body>" + rep("a&amp;b\n") + "</set-body></inbound></policies>",
		"braces":  "<policies><inbound><set-body>" + rep("{{ ") + "</set-body></inbound></policies>",
		"names":   "<policies><inbound><set-body>" + rep("{{a}}") + "</set-body></inbound></policies>",
		"parens":  "<policies><inbound><set-body>@(" + strings.Repeat("(", n/4) + strings.Repeat(")", n/4) + ")</set-body></inbound></policies>",
		"amps":    "<policies><inbound><set-body>@(" + rep("&&&&") + ")</set-body></inbound></policies>",
		"attrs":   "<policies><inbound>" + rep("<a b=\"@(x == &quot;y&quot;)\" />") + "</inbound></policies>",
		"comment": "<policies><inbound>" + rep("<!-- x -->") + "</inbound></policies>",
	}
}

// TestHostilePoliciesAreLinear reads and composes 1 MiB policies of every
// shape that was quadratic, within a generous bound of time and memory.
func TestHostilePoliciesAreLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("reads several MiB")
	}
	for name, src := range hostile(1 << 20) {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			d, err := Read([]byte(src))
			if err == nil {
				_, err = Compose(Set{Docs: []*Document{d}, Values: NamedValues{"a": {Value: "v", HasValue: true}}})
			}
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Logf("refused: %v", err)
			}
			if took > 3*time.Second {
				t.Errorf("took %s", took)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 400<<20 {
				t.Errorf("allocated %d MiB", alloc>>20)
			}
		})
	}
}

func BenchmarkReadHostile(b *testing.B) {
	for name, src := range hostile(1 << 20) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				d, err := Read([]byte(src))
				if err == nil {
					_, _ = Compose(Set{Docs: []*Document{d}})
				}
			}
		})
	}
}
