package main

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/entratoken/entratoken/internal/finding"
	"github.com/entratoken/entratoken/internal/iostreams"
)

// helpOf runs entratoken with args and the environment env, and returns
// stdout, stderr and the exit code.
func helpOf(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &Factory{IO: ios, Getenv: func(k string) string { return env[k] }}
	code := run(context.Background(), f, args)
	return out.String(), errOut.String(), code
}

// Every help text fits the width it is wrapped to, at every width people
// have, and says the same words as unwrapped.
func TestHelpWraps(t *testing.T) {
	cmds := [][]string{{"--help"}, {"help", "environment"}}
	root := newRootCmd(&Factory{IO: &iostreams.IOStreams{}, Getenv: func(string) string { return "" }})
	for _, c := range root.Commands() {
		cmds = append(cmds, []string{c.Name(), "--help"})
	}
	for _, width := range []string{"", "40", "60", "100"} {
		for _, args := range cmds {
			out, _, code := helpOf(t, map[string]string{"COLUMNS": width}, args...)
			if code != 0 || out == "" {
				t.Fatalf("%v (COLUMNS=%s): exit %d", args, width, code)
			}
			w := helpWidth(width, 0)
			for _, line := range strings.Split(out, "\n") {
				// Only a single word longer than the width (a URL, a quoted argument) may stick out.
				body := strings.TrimSuffix(strings.TrimSpace(line), " \\")
				if n := utf8.RuneCountInString(line); n > w && len(shellWords(body)) > 1 {
					t.Errorf("%v (COLUMNS=%s): %d columns > %d: %q", args, width, n, w, line)
				}
			}
			wide, _, _ := helpOf(t, map[string]string{"COLUMNS": "120"}, args...)
			if words(out) != words(wide) {
				t.Errorf("%v (COLUMNS=%s): wrapping changed the words", args, width)
			}
		}
	}
}

// words is the text without line breaks, indentation and the shell
// continuations wrapping adds.
func words(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(strings.ReplaceAll(s, " \\\n", " "), "\n  # ", " ")), " ")
}

func TestHelpWidth(t *testing.T) {
	for _, tt := range []struct {
		columns string
		term    int
		want    int
	}{
		{"", 0, 80}, {"", 132, 120}, {"", 50, 50}, {"30", 200, 30}, {"5", 0, minWidth}, {"x", 90, 90}, {"-3", 0, 80},
	} {
		if got := helpWidth(tt.columns, tt.term); got != tt.want {
			t.Errorf("helpWidth(%q, %d) = %d, want %d", tt.columns, tt.term, got, tt.want)
		}
	}
}

func TestWrapText(t *testing.T) {
	got := wrapText(30, "a b c d e f g h i j k l m n o p\nq r s\n\n  --flag string   does this and that and more\n  entratoken call https://example.net/x --token 'a b c d'\n  # a comment that goes on and on")
	want := `a b c d e f g h i j k l m n o
p q r s

  --flag string
      does this and that and
      more
  entratoken call \
      https://example.net/x \
      --token 'a b c d'
  # a comment that goes on and
  # on`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	got = wrapText(40, "  --flag string   does this and that and more and more")
	want = "  --flag string   does this and that and\n                  more and more"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestRootHelpStartsWithTheDemo(t *testing.T) {
	out, _, _ := helpOf(t, nil, "--help")
	if !strings.HasPrefix(out, "Start here: entratoken demo") {
		t.Errorf("the root help must start with what to run first:\n%s", out[:min(len(out), 200)])
	}
	for _, c := range []string{"acquire", "inspect", "diagnose", "call", "explain"} {
		if !strings.Contains(out, "  entratoken "+c+" ") {
			t.Errorf("no example of %s in the root help", c)
		}
	}
}

// A variable the code reads and help environment does not list fails here.
func TestEnvironmentHelp(t *testing.T) {
	out, _, code := helpOf(t, nil, "help", "environment")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	listed := map[string]bool{}
	for _, name := range regexp.MustCompile(`\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|\b(?:NO_COLOR|TERM|COLUMNS|HOME)\b`).FindAllString(out, -1) {
		listed[name] = true
	}
	read := regexp.MustCompile(`\b(?:Getenv|LookupEnv|getenv)\(([^)]*)\)`)
	literal := regexp.MustCompile(`^"([A-Za-z_][A-Za-z0-9_]*)"$`)
	listRead := regexp.MustCompile(`getenv\(name\)$`)
	envName := regexp.MustCompile(`"([A-Z][A-Z0-9]*_[A-Z0-9_]+)"`)
	seen := 0
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "bench" || strings.HasPrefix(d.Name(), ".")) && path != "../.." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.Contains(path, "/fake") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range read.FindAllStringSubmatch(string(src), -1) {
			lit := literal.FindStringSubmatch(strings.TrimSpace(m[1]))
			if lit == nil && listRead.MatchString(m[0]) {
				// A read over a list of names (the environment's secrets, the
				// identity endpoints): every name in the file's lists is read.
				for _, n := range envName.FindAllStringSubmatch(string(src), -1) {
					seen++
					if !listed[n[1]] {
						t.Errorf("%s reads %s (from a list of names) and help environment does not list it", path, n[1])
					}
				}
				continue
			}
			if lit == nil {
				t.Errorf("%s: %s reads a variable by a name that is not a literal; name it so it can be checked here", path, m[0])
				continue
			}
			seen++
			if !listed[lit[1]] {
				t.Errorf("%s reads %s, which entratoken help environment does not list", path, lit[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 10 {
		t.Fatalf("found only %d reads of the environment: is the walk looking at the sources?", seen)
	}
	for _, want := range []string{"AZURE_AUTHORITY_HOST", "IDENTITY_ENDPOINT", "MSI_ENDPOINT", "SSL_CERT_FILE", "SSL_CERT_DIR",
		"ENTRATOKEN_ARM_ENDPOINT", "ENTRATOKEN_GRAPH_ENDPOINT", "AZURE_SUBSCRIPTION_ID", "GITHUB_ACTIONS", "APIM_SUBSCRIPTION_KEY"} {
		if !listed[want] {
			t.Errorf("%s is not listed", want)
		}
	}
}

// Every command that needs an argument says which, in words.
func TestMissingArgumentsSaid(t *testing.T) {
	root := newRootCmd(&Factory{IO: &iostreams.IOStreams{}, Getenv: func(string) string { return "" }})
	var walk func(c *cobra.Command)
	checked := 0
	walk = func(c *cobra.Command) {
		if c.Args != nil && c.Runnable() {
			if err := c.Args(c, nil); err != nil {
				checked++
				if !strings.Contains(err.Error(), " needs ") {
					t.Errorf("%s with no argument says %q; add what it needs to missingArgs", c.CommandPath(), err)
				}
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if checked == 0 {
		t.Fatal("no command needs an argument? call does")
	}
	_, errOut, code := helpOf(t, nil, "call")
	if code != exitUsage || !strings.HasPrefix(errOut, "entratoken: call needs the URL to send to") {
		t.Errorf("exit %d: %q", code, errOut)
	}
}

// docs/reference.md names every finding and IdentityModel code explain
// knows, so the reference cannot fall behind the code.
func TestReferenceListsEveryCode(t *testing.T) {
	doc, err := os.ReadFile("../../docs/reference.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range finding.Catalogue() {
		if !strings.Contains(string(doc), "| `"+d.Code+"` |") {
			t.Errorf("docs/reference.md has no row for finding %s", d.Code)
		}
	}
	for _, x := range finding.IDXCodes() {
		if !strings.Contains(string(doc), "| `"+x.Code+"` |") {
			t.Errorf("docs/reference.md has no row for %s", x.Code)
		}
	}
}
