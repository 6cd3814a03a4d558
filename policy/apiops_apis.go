package policy

import (
	"encoding/json"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/entratoken/entratoken/internal/iostreams"
)

type apiInfo struct {
	DisplayName          string `json:"displayName"`
	Path                 string `json:"path"`
	APIVersion           string `json:"apiVersion"`
	APIVersionSetID      string `json:"apiVersionSetId"`
	APIRevision          string `json:"apiRevision"`
	IsCurrent            *bool  `json:"isCurrent"`
	SubscriptionRequired *bool  `json:"subscriptionRequired"`
	Type                 string `json:"type"`
	KeyNames             *struct {
		Header string `json:"header"`
		Query  string `json:"query"`
	} `json:"subscriptionKeyParameterNames"`
	VersionSet *struct {
		ID                string `json:"id"`
		Name              string `json:"name"`
		VersioningScheme  string `json:"versioningScheme"`
		APIType           string `json:"apiType"` // v5 wrote the scheme under this key
		VersionQueryName  string `json:"versionQueryName"`
		VersionHeaderName string `json:"versionHeaderName"`
	} `json:"apiVersionSet"`
}

func (r *apiopsReader) apis(s *Service) error {
	names, err := r.subdirs(apiopsAPIs)
	for _, n := range names {
		a, err := r.api(s, n)
		if err != nil {
			return err
		}
		s.APIs = append(s.APIs, a)
	}
	return err
}

func (r *apiopsReader) api(s *Service, folder string) (*API, error) {
	base := apiopsAPIs + "/" + folder
	var info apiInfo
	if _, err := r.info(base+"/apiInformation.json", &info); err != nil {
		return nil, err
	}
	a := &API{Name: folder, DisplayName: info.DisplayName, Path: strings.Trim(info.Path, "/"), Version: info.APIVersion,
		Revision: info.APIRevision, IsCurrent: true, SubscriptionRequired: true, Type: info.Type, KeyHeader: "Ocp-Apim-Subscription-Key", KeyQuery: "subscription-key"}
	_, rev, isRev := strings.Cut(folder, ";rev=")
	if isRev {
		a.Revision, a.IsCurrent = rev, false
	}
	if info.IsCurrent != nil {
		a.IsCurrent = *info.IsCurrent
	}
	if a.Revision == "" {
		a.Revision = "1"
	}
	if info.SubscriptionRequired != nil {
		a.SubscriptionRequired = *info.SubscriptionRequired
	}
	if k := info.KeyNames; k != nil {
		a.KeyHeader, a.KeyQuery = orDefault(k.Header, a.KeyHeader), orDefault(k.Query, a.KeyQuery)
	}
	if vs := info.VersionSet; vs != nil && vs.VersioningScheme == "" && vs.APIType != "" {
		vs.VersioningScheme = vs.APIType
	}
	switch {
	case info.VersionSet != nil && info.VersionSet.VersioningScheme != "":
		vs := info.VersionSet
		a.VersionSet = &VersionSet{Name: orDefault(vs.Name, path.Base(vs.ID)), Scheme: vs.VersioningScheme, QueryName: vs.VersionQueryName, HeaderName: vs.VersionHeaderName}
	case info.APIVersionSetID != "" || info.VersionSet != nil && info.VersionSet.ID != "":
		id := info.APIVersionSetID
		if id == "" {
			id = info.VersionSet.ID
		}
		a.VersionSet = s.VersionSets[strings.ToLower(path.Base(id))]
	}
	var err error
	if a.Policy, err = r.doc(base+"/"+apiopsPolicy, ScopeAPI); err != nil {
		return nil, err
	}
	ops, err := r.specOperations(base)
	if err != nil {
		return nil, err
	}
	opDirs, err := r.subdirs(base + "/operations")
	if err != nil {
		return nil, err
	}
	byName := map[string]*Operation{}
	for _, o := range ops {
		byName[strings.ToLower(o.Name)] = o
	}
	for _, d := range opDirs {
		o := byName[strings.ToLower(d)]
		if o == nil {
			// A policy for an operation the specification does not list:
			// it cannot be routed to, but lint still reads it.
			o = &Operation{Name: d}
			ops = append(ops, o)
			byName[strings.ToLower(d)] = o
		}
		if o.Policy, err = r.doc(base+"/operations/"+d+"/"+apiopsPolicy, ScopeOperation); err != nil {
			return nil, err
		}
	}
	a.Operations = ops
	return a, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// specOperations reads the operations (operationId, method, path) from the
// API's specification file: OpenAPI 2 or 3, JSON or YAML.
func (r *apiopsReader) specOperations(base string) ([]*Operation, error) {
	for _, name := range []string{"specification.yaml", "specification.yml", "specification.json"} {
		rel := base + "/" + name
		b, err := iostreams.ReadFile(r.abs(rel), maxInfo)
		if err != nil {
			continue
		}
		if strings.HasSuffix(name, ".json") {
			return jsonOperations(b), nil
		}
		return yamlOperations(string(b)), nil
	}
	return nil, nil
}

func (r *apiopsReader) abs(rel string) string { return filepath.Join(r.dir, filepath.FromSlash(rel)) }

var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}

func jsonOperations(b []byte) []*Operation {
	var spec struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if json.Unmarshal(b, &spec) != nil {
		return nil
	}
	var out []*Operation
	for p, methods := range spec.Paths {
		for m, raw := range methods {
			if !httpMethods[strings.ToLower(m)] {
				continue
			}
			var op struct {
				OperationID string `json:"operationId"`
				Summary     string `json:"summary"`
			}
			if json.Unmarshal(raw, &op) == nil && op.OperationID != "" {
				out = append(out, &Operation{Name: op.OperationID, DisplayName: op.Summary, Method: strings.ToUpper(m), URLTemplate: p})
			}
		}
	}
	sortOperations(out)
	return out
}

// yamlOperations reads paths, methods and operationIds from an OpenAPI
// document in YAML block style, as APIM exports it: enough structure for
// routing, without a YAML dependency. Keys are read by their indentation.
func yamlOperations(src string) []*Operation {
	var out []*Operation
	pathsIndent, pathIndent, methodIndent := -1, -1, -1
	curPath, curMethod := "", ""
	inPaths := false
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimRight(line, "\r")
		trimmed := strings.TrimLeft(line, " ")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		ind := len(line) - len(trimmed)
		key, val, isKey := yamlKey(trimmed)
		if ind == 0 {
			inPaths = isKey && key == "paths"
			pathsIndent, pathIndent, methodIndent, curPath, curMethod = 0, -1, -1, "", ""
			continue
		}
		if !inPaths || !isKey {
			continue
		}
		switch {
		case pathIndent < 0 || ind == pathIndent:
			if ind > pathsIndent && strings.HasPrefix(key, "/") {
				pathIndent, curPath, curMethod, methodIndent = ind, key, "", -1
			}
		case ind > pathIndent && (methodIndent < 0 || ind == methodIndent) && httpMethods[strings.ToLower(key)]:
			methodIndent, curMethod = ind, strings.ToUpper(key)
		case ind > methodIndent && methodIndent >= 0 && key == "operationId" && curMethod != "":
			out = append(out, &Operation{Name: yamlScalar(val), Method: curMethod, URLTemplate: curPath})
			curMethod = ""
		}
	}
	sortOperations(out)
	return out
}

// yamlKey splits "key: value" (the key possibly quoted).
func yamlKey(s string) (key, val string, ok bool) {
	if strings.HasPrefix(s, "- ") {
		return "", "", false
	}
	if q := s[0]; q == '\'' || q == '"' {
		end := strings.IndexByte(s[1:], q)
		if end < 0 || !strings.HasPrefix(s[end+2:], ":") {
			return "", "", false
		}
		return s[1 : end+1], strings.TrimSpace(s[end+3:]), true
	}
	k, v, found := strings.Cut(s, ":")
	if !found || strings.ContainsAny(k, " \t") && !strings.HasPrefix(k, "/") {
		return "", "", false
	}
	return k, strings.TrimSpace(v), true
}

func yamlScalar(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

func sortOperations(ops []*Operation) {
	sort.Slice(ops, func(i, j int) bool { return ops[i].Name < ops[j].Name })
}
