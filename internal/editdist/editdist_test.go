package editdist

import "testing"

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b      string
		max, want int
	}{
		{"", "", 9, 0}, {"abc", "abc", 9, 0}, {"abc", "abd", 9, 1}, {"abc", "acb", 9, 1}, {"kitten", "sitting", 9, 3},
		{"prod", "", 9, 4}, {"kitten", "sitting", 2, 2},
		{"repo:contoso/orders:environment:prod", "repo:contoso/orders:environment:stage", 99, 5},
	} {
		if got := Distance(c.a, c.b, c.max); got != c.want {
			t.Errorf("Distance(%q, %q, %d) = %d, want %d", c.a, c.b, c.max, got, c.want)
		}
	}
}
