package fakearm

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// list writes one page of items, {"value","count","nextLink"}, with the
// server's page size: $top and the skip parameter (APIM: $skip; managed
// identities: $skiptoken) are honoured, and nextLink is the absolute URL of
// the next page with every other parameter kept. The last page ends as
// SetLastPage says.
func (s *Server) list(q *req, items []any, skipParam string) {
	qs := q.r.URL.Query()
	skip, err1 := intParam(qs, skipParam)
	top, err2 := intParam(qs, "$top")
	if err2 == nil && qs.Has("$top") && top < 1 {
		err2 = fmt.Errorf("'%s' is not a valid value for $top: the minimum is 1", qs.Get("$top"))
	}
	if err1 != nil || err2 != nil {
		validation(q.w, fmt.Sprint(firstErr(err1, err2)))
		return
	}
	end := len(items)
	if qs.Has("$top") && skip+top < end {
		end = skip + top
	}
	s.mu.Lock()
	size, last := s.opts.PageSize, s.lastPage
	s.mu.Unlock()
	start := min(skip, len(items))
	stop := min(start+size, end)
	if stop < start {
		stop = start
	}
	page := items[start:stop]
	if page == nil {
		page = []any{}
	}
	out := obj{"value": page, "count": len(items)}
	if stop < end {
		next := url.Values{}
		for k, v := range qs {
			next[k] = v
		}
		next.Set(skipParam, strconv.Itoa(stop))
		if qs.Has("$top") {
			next.Set("$top", strconv.Itoa(end-stop))
		}
		out["nextLink"] = s.URL + q.r.URL.Path + "?" + encode(next)
	} else {
		switch last {
		case NextLinkNull:
			out["nextLink"] = nil
		case NextLinkEmpty:
			out["nextLink"] = ""
		}
	}
	writeJSON(q.w, http.StatusOK, out)
}

// encode writes a query as ARM's nextLinks do: keys as they are ($skip, not
// %24skip), values escaped, keys sorted.
func encode(v url.Values) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, val := range v[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(k + "=" + url.QueryEscape(val))
		}
	}
	return b.String()
}

func intParam(qs url.Values, name string) (int, error) {
	if !qs.Has(name) {
		return 0, nil
	}
	n, err := strconv.Atoi(qs.Get(name))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("'%s' is not a valid value for %s", qs.Get(name), name)
	}
	return n, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// validation writes APIM's 400 for a bad parameter.
func validation(w http.ResponseWriter, msg string, details ...errorDetails) {
	writeError(w, http.StatusBadRequest, "ValidationError", msg, details...)
}

// filter applies the $filter forms the fake understands to rows of
// properties: clauses "field eq 'value'" or "field ne 'value'" (booleans
// unquoted) joined by " and ", on the fields given. Anything else is APIM's
// 400, and false.
func filter(q *req, items []any, fields func(any) map[string]string) ([]any, bool) {
	f := strings.TrimSpace(q.r.URL.Query().Get("$filter"))
	if f == "" {
		return items, true
	}
	type clause struct{ field, op, value string }
	var cs []clause
	for _, part := range strings.Split(f, " and ") {
		w := strings.Fields(part)
		if len(w) < 3 || (w[1] != "eq" && w[1] != "ne") {
			validation(q.w, fmt.Sprintf("Invalid filter clause specified: '%s'.", part))
			return nil, false
		}
		cs = append(cs, clause{w[0], w[1], strings.Trim(strings.Join(w[2:], " "), "'")})
	}
	var out []any
	for _, it := range items {
		fs := fields(it)
		keep := true
		for _, c := range cs {
			v, ok := fs[strings.ToLower(c.field)]
			if !ok {
				validation(q.w, fmt.Sprintf("Invalid field name '%s' in filter clause.", c.field))
				return nil, false
			}
			if strings.EqualFold(v, c.value) != (c.op == "eq") {
				keep = false
			}
		}
		if keep {
			out = append(out, it)
		}
	}
	return out, true
}
