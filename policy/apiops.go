package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/entratoken/entratoken/internal/iostreams"
)

// The APIOps extractor's layout (github.com/Azure/apiops; docs/apiops-layout.md):
//
//	policy.xml                                        global
//	apis/<api>/apiInformation.json, policy.xml, specification.{yaml,json}
//	apis/<api>;rev=N/...                              a revision
//	apis/<api>/operations/<operation>/policy.xml
//	version sets/<id>/versionSetInformation.json
//	products/<product>/productInformation.json, policy.xml,
//	         apis.json (older) or apis/<api>/productApiInformation.json (newer)
//	policy fragments/<id>/policy.xml
//	named values/<name>/namedValueInformation.json    by displayName; a secret has no value
const (
	apiopsAPIs        = "apis"
	apiopsProducts    = "products"
	apiopsFragments   = "policy fragments"
	apiopsValues      = "named values"
	apiopsVersionSets = "version sets"
	apiopsPolicy      = "policy.xml"
)

// maxInfo bounds an information JSON file or a specification.
const maxInfo = 16 << 20

// ReadAPIOps reads an APIOps extractor folder into a Service. File names in
// documents and messages are relative to dir, with forward slashes.
func ReadAPIOps(dir string) (*Service, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("--apiops %s: %w", dir, pathErr(err))
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("--apiops %s: not a folder", dir)
	}
	r := &apiopsReader{dir: dir}
	s := &Service{Name: filepath.Base(filepath.Clean(dir)), Source: dir, VersionSets: map[string]*VersionSet{}, Fragments: map[string]*Document{}, Values: NamedValues{}}
	if s.Policy, err = r.doc(apiopsPolicy, ScopeGlobal); err != nil {
		return nil, err
	}
	steps := []func(*Service) error{r.versionSets, r.values, r.fragments, r.apis, r.products}
	for _, step := range steps {
		if err := step(s); err != nil {
			return nil, err
		}
	}
	if s.Policy == nil && len(s.APIs) == 0 && len(s.Products) == 0 {
		return nil, fmt.Errorf("--apiops %s: no policy.xml, apis/ or products/: not an APIOps extractor folder", dir)
	}
	s.Link()
	return s, nil
}

type apiopsReader struct{ dir string }

func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// doc reads rel as a policy of scope; a missing file is no policy (nil).
func (r *apiopsReader) doc(rel string, scope Scope) (*Document, error) {
	p := filepath.Join(r.dir, filepath.FromSlash(rel))
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	d, err := ReadFile(p, scope)
	if err != nil {
		if pe, ok := err.(*ParseError); ok {
			pe.File = rel
		}
		return nil, err
	}
	d.File = rel
	return d, nil
}

// subdirs lists the folders in rel, sorted; a missing rel has none.
func (r *apiopsReader) subdirs(rel string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(r.dir, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("--apiops: %s: %w", rel, pathErr(err))
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

// info reads a JSON information file into v, accepting both the
// {"properties": {...}} form the extractor writes and a bare object. A
// missing file leaves v alone and reports false.
func (r *apiopsReader) info(rel string, v any) (bool, error) {
	b, err := iostreams.ReadFile(filepath.Join(r.dir, filepath.FromSlash(rel)), maxInfo)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, fmt.Errorf("--apiops: %s: %w", rel, err)
	}
	var wrapped struct {
		Properties json.RawMessage `json:"properties"`
	}
	if json.Unmarshal(b, &wrapped) == nil && len(wrapped.Properties) > 0 {
		b = wrapped.Properties
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("--apiops: %s: %w", rel, err)
	}
	return true, nil
}

func (r *apiopsReader) versionSets(s *Service) error {
	names, err := r.subdirs(apiopsVersionSets)
	for _, n := range names {
		var vs struct {
			VersioningScheme  string `json:"versioningScheme"`
			VersionQueryName  string `json:"versionQueryName"`
			VersionHeaderName string `json:"versionHeaderName"`
		}
		// v6 and later write versionSetInformation.json; v2-v5 apiVersionSetInformation.json.
		ok, err := r.info(apiopsVersionSets+"/"+n+"/versionSetInformation.json", &vs)
		if err == nil && !ok {
			_, err = r.info(apiopsVersionSets+"/"+n+"/apiVersionSetInformation.json", &vs)
		}
		if err != nil {
			return err
		}
		s.VersionSets[strings.ToLower(n)] = &VersionSet{Name: n, Scheme: vs.VersioningScheme, QueryName: vs.VersionQueryName, HeaderName: vs.VersionHeaderName}
	}
	return err
}

func (r *apiopsReader) values(s *Service) error {
	names, err := r.subdirs(apiopsValues)
	for _, n := range names {
		rel := apiopsValues + "/" + n + "/namedValueInformation.json"
		var nv struct {
			DisplayName string  `json:"displayName"`
			Value       *string `json:"value"`
			Secret      bool    `json:"secret"`
			KeyVault    *struct {
				SecretIdentifier string `json:"secretIdentifier"`
			} `json:"keyVault"`
		}
		if _, err := r.info(rel, &nv); err != nil {
			return err
		}
		name := nv.DisplayName
		if name == "" {
			name = n
		}
		v := NamedValue{Secret: nv.Secret || nv.KeyVault != nil, Source: rel}
		if nv.Value != nil {
			v.Value, v.HasValue = *nv.Value, true
		}
		s.Values[name] = v
	}
	return err
}

func (r *apiopsReader) fragments(s *Service) error {
	ids, err := r.subdirs(apiopsFragments)
	for _, id := range ids {
		d, err := r.doc(apiopsFragments+"/"+id+"/"+apiopsPolicy, ScopeFragment)
		if err != nil {
			return err
		}
		if d != nil {
			d.ID = id
			s.Fragments[id] = d
		}
	}
	return err
}

func (r *apiopsReader) products(s *Service) error {
	names, err := r.subdirs(apiopsProducts)
	for _, n := range names {
		base := apiopsProducts + "/" + n
		var info struct {
			DisplayName          string `json:"displayName"`
			SubscriptionRequired *bool  `json:"subscriptionRequired"`
			State                string `json:"state"`
		}
		if _, err := r.info(base+"/productInformation.json", &info); err != nil {
			return err
		}
		p := &Product{Name: n, DisplayName: info.DisplayName, State: info.State, SubscriptionRequired: info.SubscriptionRequired == nil || *info.SubscriptionRequired}
		if p.Policy, err = r.doc(base+"/"+apiopsPolicy, ScopeProduct); err != nil {
			return err
		}
		if p.APINames, err = r.productAPIs(base); err != nil {
			return err
		}
		s.Products = append(s.Products, p)
	}
	return err
}

// productAPIs reads a product's APIs in both extractor forms: apis.json
// (older: an array of names, or of {"name"} objects) and apis/<api>/ folders
// (newer, with productApiInformation.json).
func (r *apiopsReader) productAPIs(base string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(n string) {
		if n = strings.TrimSpace(n); n != "" && !seen[strings.ToLower(n)] {
			seen[strings.ToLower(n)] = true
			out = append(out, n)
		}
	}
	var list []json.RawMessage
	if ok, err := r.info(base+"/apis.json", &list); err != nil {
		return nil, err
	} else if ok {
		for _, raw := range list {
			var name string
			if json.Unmarshal(raw, &name) == nil {
				add(name)
				continue
			}
			var obj struct {
				Name       string `json:"name"`
				Properties struct {
					Name string `json:"name"`
				} `json:"properties"`
			}
			if json.Unmarshal(raw, &obj) == nil {
				add(obj.Name)
				add(obj.Properties.Name)
			}
		}
	}
	dirs, err := r.subdirs(base + "/apis")
	for _, d := range dirs {
		add(d)
	}
	sort.Strings(out)
	return out, err
}
