package fakegraph

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// writeError writes Graph's error body, with its innerError.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	id := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("request-id", id)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(object{"error": object{"code": code, "message": msg,
		"innerError": object{"date": time.Now().UTC().Format("2006-01-02T15:04:05"), "request-id": id, "client-request-id": id}}})
}

func denied(w http.ResponseWriter) {
	writeError(w, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
}

func notFound(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, "Request_ResourceNotFound",
		fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id))
}

var (
	byAppID = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^/(applications|servicePrincipals)\(appId='((?:[^']|'')*)'\)$`)
	})
	byID = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^/(applications|servicePrincipals)/([^/]+)(?:/(federatedIdentityCredentials|appRoleAssignments|appRoleAssignedTo))?$`)
	})
	lambda = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(identifierUris|servicePrincipalNames)/any\((\w+):(\w+) eq '((?:[^']|'')*)'\)$`)
	})
	clientF = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^clientId eq '((?:[^']|'')*)'$`) })
)

func unquote(s string) string { return strings.ReplaceAll(s, "''", "'") }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.Log.Record(r, r.Method+" "+r.URL.Path) // Requests, SawBearer
	s.mu.Lock()
	retry, throttled := -1, false
	for suffix, secs := range s.throttle {
		if strings.HasSuffix(r.URL.Path, suffix) {
			retry, throttled = secs, true
			delete(s.throttle, suffix)
			break
		}
	}
	s.mu.Unlock()
	if throttled {
		w.Header().Set("Retry-After", strconv.Itoa(retry))
		writeError(w, http.StatusTooManyRequests, "TooManyRequests", "Too many requests are being made. Please try again later.")
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, "/v1.0")
	if !ok || r.Method != http.MethodGet {
		writeError(w, http.StatusBadRequest, "BadRequest", "Invalid version or method.")
		return
	}
	c := s.authenticate(w, r)
	if c == nil {
		return
	}
	q := r.URL.Query()
	v := s.build()
	perm := readApps
	if path == "/oauth2PermissionGrants" {
		perm = readGrants
	}
	if !c.may(perm) {
		denied(w)
		return
	}
	ctx := s.URL + "/v1.0/$metadata#"
	if m := byAppID().FindStringSubmatch(path); m != nil {
		o := find(s.collection(v, m[1]), "appId", unquote(m[2]))
		if o == nil {
			notFound(w, "appId="+unquote(m[2]))
			return
		}
		s.one(w, q, ctx+m[1]+"/$entity", o)
		return
	}
	if m := byID().FindStringSubmatch(path); m != nil {
		o := find(s.collection(v, m[1]), "id", m[2])
		if o == nil {
			notFound(w, m[2])
			return
		}
		switch m[3] {
		case "":
			s.one(w, q, ctx+m[1]+"/$entity", o)
		case "federatedIdentityCredentials":
			if m[1] != "applications" {
				notFound(w, m[3])
				return
			}
			s.page(w, r, ctx+"applications('"+m[2]+"')/federatedIdentityCredentials", v.fics[m[2]])
		default:
			if m[1] != "servicePrincipals" {
				notFound(w, m[3])
				return
			}
			key := "principalId"
			if m[3] == "appRoleAssignedTo" {
				key = "resourceId"
			}
			s.page(w, r, ctx+"servicePrincipals('"+m[2]+"')/"+m[3], s.replicated(filter(v.assignments, key, m[2])))
		}
		return
	}
	switch path {
	case "/applications", "/servicePrincipals":
		items, ok := s.filtered(w, q.Get("$filter"), strings.TrimPrefix(path, "/"), s.collection(v, strings.TrimPrefix(path, "/")))
		if ok {
			s.page(w, r, ctx+strings.TrimPrefix(path, "/"), items)
		}
	case "/oauth2PermissionGrants":
		m := clientF().FindStringSubmatch(q.Get("$filter"))
		if m == nil {
			unsupported(w, q.Get("$filter"))
			return
		}
		s.page(w, r, ctx+"oauth2PermissionGrants", s.replicated(filter(v.grants, "clientId", unquote(m[1]))))
	default:
		writeError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+strings.Trim(path, "/")+"'.")
	}
}

func unsupported(w http.ResponseWriter, f string) {
	writeError(w, http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified: "+f)
}

func (s *Server) collection(v *view, name string) []object {
	if name == "applications" {
		return v.apps
	}
	return v.sps
}

// filtered answers the lambda filters entratoken sends; any other is 400.
func (s *Server) filtered(w http.ResponseWriter, f, coll string, items []object) ([]object, bool) {
	if f == "" {
		return items, true
	}
	m := lambda().FindStringSubmatch(f)
	if m == nil || m[2] != m[3] || (coll == "applications") != (m[1] == "identifierUris") {
		unsupported(w, f)
		return nil, false
	}
	var out []object
	for _, o := range items {
		vals, _ := o[m[1]].([]string)
		for _, x := range vals {
			if x == unquote(m[4]) {
				out = append(out, o)
				break
			}
		}
	}
	return out, true
}

// replicated hides lists while a replication delay is injected.
func (s *Server) replicated(items []object) []object {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hideLists > 0 {
		s.hideLists--
		return nil
	}
	return items
}

func find(items []object, key, val string) object {
	for _, o := range items {
		if v, _ := o[key].(string); strings.EqualFold(v, val) {
			return o
		}
	}
	return nil
}

func filter(items []object, key, val string) []object {
	var out []object
	for _, o := range items {
		if v, _ := o[key].(string); strings.EqualFold(v, val) {
			out = append(out, o)
		}
	}
	return out
}

// project applies $select; without it keyCredentials are left out, as
// Graph does.
func project(o object, sel string) object {
	out := object{}
	if sel == "" {
		for k, v := range o {
			if k != "keyCredentials" {
				out[k] = v
			}
		}
		return out
	}
	for _, k := range strings.Split(sel, ",") {
		if v, ok := o[strings.TrimSpace(k)]; ok {
			out[strings.TrimSpace(k)] = v
		}
	}
	return out
}

func (s *Server) one(w http.ResponseWriter, q url.Values, ctx string, o object) {
	p := project(o, q.Get("$select"))
	if sel := q.Get("$select"); sel != "" {
		ctx = strings.Replace(ctx, "/$entity", "("+sel+")/$entity", 1)
	}
	p["@odata.context"] = ctx
	writeJSON(w, p)
}

// page writes one page of items ($skiptoken is the offset) with an
// absolute nextLink that keeps the request's query.
func (s *Server) page(w http.ResponseWriter, r *http.Request, ctx string, items []object) {
	q := r.URL.Query()
	off, _ := strconv.Atoi(q.Get("$skiptoken"))
	if off < 0 || off > len(items) {
		off = len(items)
	}
	end := min(off+s.opts.PageSize, len(items))
	val := make([]object, 0, end-off)
	for _, o := range items[off:end] {
		val = append(val, project(o, q.Get("$select")))
	}
	body := object{"@odata.context": ctx, "value": val}
	if end < len(items) {
		q.Set("$skiptoken", strconv.Itoa(end))
		body["@odata.nextLink"] = s.URL + r.URL.Path + "?" + strings.ReplaceAll(q.Encode(), "+", "%20")
	}
	writeJSON(w, body)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}
