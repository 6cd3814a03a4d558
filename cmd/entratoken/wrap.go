package main

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Help text is wrapped to the terminal: COLUMNS when set, else the width of
// the terminal stdout is, else (a pipe, a file) defaultWidth. Very wide
// terminals get at most maxWidth, which stays readable.
const (
	defaultWidth = 80
	minWidth     = 20
	maxWidth     = 120
)

// helpWidth decides the width help is wrapped to.
func helpWidth(columns string, termWidth int) int {
	w := defaultWidth
	if n, err := strconv.Atoi(strings.TrimSpace(columns)); err == nil && n > 0 {
		w = n
	} else if termWidth > 0 {
		w = termWidth
	}
	return min(max(w, minWidth), maxWidth)
}

// wrapText wraps help text to width. Paragraphs of unindented prose are
// reflowed (the sources are wrapped by hand at another width). An indented
// line that is too long is broken at spaces: a line with a column (a flag
// and its description, a command and its summary) continues under the
// column (on a narrow terminal the second column goes below the first); a
// comment continues as a comment; a command example continues with a shell line continuation, so it
// can still be pasted; anything else continues at its indent.
func wrapText(width int, text string) string {
	var out []string
	var para []string
	flush := func() {
		if len(para) > 0 {
			out = append(out, breakLine("", strings.Join(para, " "), width, "", "", strings.Fields)...)
			para = nil
		}
	}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, " \t")
		switch {
		case line == "":
			flush()
			out = append(out, "")
		case line[0] != ' ' && line[0] != '\t' && !strings.HasSuffix(line, ":"):
			para = append(para, line)
		default:
			flush()
			out = append(out, wrapIndented(line, width)...)
		}
	}
	flush()
	return strings.Join(out, "\n")
}

// wrapIndented breaks one indented line (or a heading) as wrapText says.
func wrapIndented(line string, width int) []string {
	if utf8.RuneCountInString(line) <= width {
		return []string{line}
	}
	indent := len(line) - len(strings.TrimLeft(line, " \t"))
	if col := column(line, indent); col > 0 {
		if col <= width/2 {
			return breakLine(line[:col], line[col:], width, strings.Repeat(" ", col), "", strings.Fields)
		}
		// Narrow: the second column goes below the first, further in.
		n := indent + 6
		if i := strings.Index(line, "--"); i >= 0 && i < col { // a flag: under the long name
			n = i + 4
		}
		hang := strings.Repeat(" ", n)
		return append([]string{strings.TrimRight(line[:col], " ")}, breakLine(hang, line[col:], width, hang, "", strings.Fields)...)
	}
	body, lead := line[indent:], line[:indent]
	switch {
	case strings.HasPrefix(body, "# "):
		return breakLine(lead, body, width, lead+"# ", "", strings.Fields)
	case strings.Contains(body, "entratoken ") && !strings.Contains(body, "#"):
		return breakLine(lead, body, width, lead+"    ", " \\", shellWords)
	}
	return breakLine(lead, body, width, lead, "", strings.Fields)
}

// column returns where a line's second column starts: the first text after
// two or more spaces, past the indent. 0 when there is none.
func column(line string, indent int) int {
	i := strings.Index(line[indent:], "  ")
	if i < 0 {
		return 0
	}
	j := indent + i
	for j < len(line) && line[j] == ' ' {
		j++
	}
	if j >= len(line) {
		return 0
	}
	return j
}

// breakLine puts prefix, then the words of body, on lines of at most width
// runes (a word longer than that stays whole, and every line holds at least
// one word). Continuation lines start with hang; every line but the last
// ends with cont. split cuts body into words.
func breakLine(prefix, body string, width int, hang, cont string, split func(string) []string) []string {
	var lines []string
	cur, empty := prefix, true
	for _, w := range split(body) {
		next := cur + w
		if !empty {
			next = cur + " " + w
		}
		if !empty && utf8.RuneCountInString(next+cont) > width {
			lines = append(lines, cur+cont)
			next = hang + w
		}
		cur, empty = next, false
	}
	return append(lines, cur)
}

// shellWords splits a command line at the spaces outside quotes, so that a
// quoted argument is never broken.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == ' ':
			if cur.Len() > 0 {
				words = append(words, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteRune(r)
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	return words
}
