package policy

import (
	"strings"

	"github.com/entratoken/entratoken/internal/editdist"
)

// orList joins names as "a, b or c".
func orList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// suggest returns the candidate nearest to name, when it is close enough to
// be the name that was meant: the same letters in another case, or an edit
// distance (a transposition counting as one edit) of at most 1 for short
// names and 2 for names of five letters or more. Ties go to the first
// candidate in order.
func suggest(name string, candidates []string) string {
	if len(name) > 64 {
		return ""
	}
	for _, c := range candidates {
		if strings.EqualFold(c, name) {
			return c
		}
	}
	limit := 1
	if len(name) >= 5 {
		limit = 2
	}
	best, bestD := "", limit+1
	for _, c := range candidates {
		if d := len(c) - len(name); d > limit || -d > limit {
			continue
		}
		if d := editdist.Distance(strings.ToLower(name), c, bestD); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}
