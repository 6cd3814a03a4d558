package policy

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Match is the API and operation a request reaches, as the gateway routes it.
type Match struct {
	API       *API
	Operation *Operation
	// Rest is the path after the API's path and version, as the operation
	// templates see it ("/42").
	Rest string
}

// NotFoundError is a request the gateway answers with 404: no API has its
// path (Operation empty), or the API has no operation for its method and path.
type NotFoundError struct {
	Method, Path string
	API          *API // set when the API matched and no operation did
	// Existing lists what there is instead: API paths, or the API's operations.
	Existing []string
}

func (e *NotFoundError) Error() string {
	if e.API != nil {
		return fmt.Sprintf("%s %s matches API %s but none of its operations", e.Method, e.Path, e.API.Name)
	}
	return fmt.Sprintf("%s %s matches no API", e.Method, e.Path)
}

// Route finds the API and operation of a request the way the gateway routes
// (api-management-revisions, api-management-versions): the API whose path is
// the longest prefix of the URL's path, at a segment boundary; ";rev=N" after
// the API path picks that revision, otherwise the current one; a version set
// picks the version from the path segment after the API path (Segment), the
// query parameter (Query, default api-version) or a header (Header); then the
// operation whose method and URL template match the rest, literal segments
// before parameters. Microsoft does not document the precedence between
// overlapping API paths or the case rules; paths and literals are compared
// case-insensitively here.
func (s *Service) Route(method, rawURL string, headers map[string]string) (*Match, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("--url %q: %w", rawURL, err)
	}
	segs := splitPath(u.EscapedPath())
	var best *Match
	bestLen, bestScore := -1, -1
	for _, a := range s.APIs {
		n, rest, rev, ok := prefix(segs, splitPath(a.Path))
		if !ok {
			continue
		}
		if rev != "" && rev != a.Revision || rev == "" && !a.IsCurrent {
			continue
		}
		score := 0
		if vs := a.VersionSet; vs != nil {
			if strings.EqualFold(vs.Scheme, "Segment") {
				switch {
				case a.Version == "": // the original version: no segment
				case len(rest) > 0 && strings.EqualFold(unescape(rest[0]), a.Version):
					rest, score = rest[1:], 1 // a versioned match beats the original's
				default:
					continue
				}
			} else if v, ok := requestedVersion(vs, u.Query(), headers); !ok || !strings.EqualFold(v, a.Version) {
				continue
			}
		}
		if n > bestLen || n == bestLen && score > bestScore {
			best = &Match{API: a, Rest: "/" + strings.Join(rest, "/")}
			bestLen, bestScore = n, score
		}
	}
	if best == nil {
		var paths []string
		for _, a := range s.APIs {
			paths = append(paths, a.URL()+" ("+a.Name+")")
		}
		sort.Strings(paths)
		return nil, &NotFoundError{Method: method, Path: u.Path, Existing: paths}
	}
	op := best.API.matchOperation(method, best.Rest, u.Query())
	if op == nil {
		var ops []string
		for _, o := range best.API.Operations {
			ops = append(ops, o.Method+" "+o.URLTemplate+" ("+o.Name+")")
		}
		return nil, &NotFoundError{Method: method, Path: u.Path, API: best.API, Existing: ops}
	}
	best.Operation = op
	return best, nil
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// prefix says whether want is a prefix of segs, reading ";rev=N" off the
// last segment of the API's path.
func prefix(segs, want []string) (n int, rest []string, rev string, ok bool) {
	if len(want) > len(segs) {
		return 0, nil, "", false
	}
	for i, w := range want {
		s := segs[i]
		if i == len(want)-1 {
			if j := strings.Index(s, ";rev="); j >= 0 {
				s, rev = s[:j], s[j+len(";rev="):]
			}
		}
		if !strings.EqualFold(unescape(s), w) {
			return 0, nil, "", false
		}
	}
	rest = segs[len(want):]
	if len(want) == 0 && len(rest) > 0 {
		// An API at the root: its revision rides on the first segment ("/;rev=2/x").
		if strings.HasPrefix(rest[0], ";rev=") {
			rev, rest = strings.TrimPrefix(rest[0], ";rev="), rest[1:]
		}
	}
	return len(want), rest, rev, true
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// requestedVersion returns the version a request asks for under a Query or
// Header version set.
func requestedVersion(vs *VersionSet, q url.Values, headers map[string]string) (string, bool) {
	switch strings.ToLower(vs.Scheme) {
	case "query":
		name := vs.QueryName
		if name == "" {
			name = "api-version"
		}
		return q.Get(name), true
	case "header":
		for k, val := range headers {
			if strings.EqualFold(k, vs.HeaderName) {
				return val, true
			}
		}
		return "", true
	}
	return "", false
}

// matchOperation picks the operation for method and path: exact methods
// before "*", then the template with the most literal segments.
func (a *API) matchOperation(method, path string, q url.Values) *Operation {
	var best *Operation
	bestScore := -1
	for _, o := range a.Operations {
		m := strings.ToUpper(o.Method)
		if m != "*" && m != strings.ToUpper(method) {
			continue
		}
		literal, ok := matchTemplate(o.URLTemplate, path, q)
		if !ok {
			continue
		}
		score := literal * 2
		if m != "*" {
			score += 1000
		}
		if score > bestScore {
			best, bestScore = o, score
		}
	}
	return best
}

// matchTemplate matches a URL template ("/orders/{id}", "/files/{*path}",
// "/*", "/add?a={a}&b={b}") against a path and query; it returns how many
// literal segments matched.
func matchTemplate(tmpl, path string, q url.Values) (int, bool) {
	tp, tq, _ := strings.Cut(tmpl, "?")
	ts, ps := splitPath(tp), splitPath(path)
	literal := 0
	for i, t := range ts {
		if t == "*" || strings.HasPrefix(t, "{*") {
			return literal, i <= len(ps)
		}
		if i >= len(ps) {
			return 0, false
		}
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			continue
		}
		if !strings.EqualFold(t, unescape(ps[i])) {
			return 0, false
		}
		literal++
	}
	if len(ts) != len(ps) {
		return 0, false
	}
	if tq != "" {
		for _, kv := range strings.Split(tq, "&") {
			k, v, _ := strings.Cut(kv, "=")
			if !q.Has(k) {
				return 0, false
			}
			if !strings.HasPrefix(v, "{") && !strings.EqualFold(q.Get(k), v) {
				return 0, false
			}
		}
	}
	return literal, true
}
