package armsource

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/entratoken/entratoken/policy"
)

// Save writes what was read in the APIOps extractor layout, the one
// policy.ReadAPIOps reads, so that --apiops DIR replays the diagnosis
// offline. A secret named value is written without its value unless
// showSecrets. DIR must not exist or be empty: evidence is never mixed
// with older files.
func (e *Evidence) Save(dir string, showSecrets bool) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("--save-evidence %s: the folder is not empty; give a new one", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("--save-evidence %s: %w", dir, err)
	}
	w := &saver{dir: dir}
	s := e.Service
	w.doc("policy.xml", e.raw[s.Policy], s.Policy)
	for _, a := range s.APIs {
		w.api(e, a)
	}
	for _, p := range s.Products {
		base := "products/" + p.Name
		w.json(base+"/productInformation.json", map[string]any{"displayName": p.DisplayName, "subscriptionRequired": p.SubscriptionRequired, "state": p.State}, false)
		w.doc(base+"/policy.xml", e.raw[p.Policy], p.Policy)
		for _, n := range p.APINames {
			w.json(base+"/apis/"+n+"/productApiInformation.json", map[string]any{"name": n}, false)
		}
	}
	for _, vs := range s.VersionSets {
		w.json("version sets/"+vs.Name+"/versionSetInformation.json", map[string]any{"versioningScheme": vs.Scheme,
			"versionQueryName": vs.QueryName, "versionHeaderName": vs.HeaderName}, false)
	}
	for id, d := range s.Fragments {
		w.doc("policy fragments/"+id+"/policy.xml", e.raw[d], d)
	}
	var names []string
	for n := range s.Values {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := s.Values[n]
		info := map[string]any{"displayName": n, "secret": v.Secret}
		if v.HasValue && (!v.Secret || showSecrets) {
			info["value"] = v.Value
		}
		w.json("named values/"+cmpOr(e.nvNames[n], n)+"/namedValueInformation.json", info, v.Secret)
	}
	return w.err
}

type saver struct {
	dir string
	err error
}

func (w *saver) write(rel string, b []byte, private bool) {
	if w.err != nil {
		return
	}
	if strings.Contains(rel, "..") {
		w.err = fmt.Errorf("--save-evidence: refusing the name %q", rel)
		return
	}
	p := filepath.Join(w.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		w.err = fmt.Errorf("--save-evidence: %w", err)
		return
	}
	mode := fs.FileMode(0o644)
	if private {
		mode = 0o600
	}
	if err := os.WriteFile(p, b, mode); err != nil {
		w.err = fmt.Errorf("--save-evidence: %w", err)
	}
}

func (w *saver) doc(rel, raw string, d *policy.Document) {
	if d != nil {
		w.write(rel, []byte(raw), false)
	}
}

func (w *saver) json(rel string, props map[string]any, private bool) {
	b, err := json.MarshalIndent(map[string]any{"properties": props}, "", "  ")
	if err != nil {
		w.err = err
		return
	}
	w.write(rel, append(b, '\n'), private)
}

func (w *saver) api(e *Evidence, a *policy.API) {
	base := "apis/" + a.Name
	info := map[string]any{"displayName": a.DisplayName, "path": a.Path, "apiRevision": a.Revision, "isCurrent": a.IsCurrent,
		"subscriptionRequired": a.SubscriptionRequired, "subscriptionKeyParameterNames": map[string]string{"header": a.KeyHeader, "query": a.KeyQuery}}
	if a.Version != "" {
		info["apiVersion"] = a.Version
	}
	if a.Type != "" {
		info["type"] = a.Type
	}
	if a.VersionSet != nil {
		info["apiVersionSetId"] = e.Ref.ID() + "/apiVersionSets/" + a.VersionSet.Name
	}
	w.json(base+"/apiInformation.json", info, false)
	w.doc(base+"/policy.xml", e.raw[a.Policy], a.Policy)
	if len(a.Operations) == 0 {
		return
	}
	paths := map[string]map[string]any{}
	for _, o := range a.Operations {
		m := paths[o.URLTemplate]
		if m == nil {
			m = map[string]any{}
			paths[o.URLTemplate] = m
		}
		m[strings.ToLower(o.Method)] = map[string]string{"operationId": o.Name, "summary": o.DisplayName}
		w.doc(base+"/operations/"+o.Name+"/policy.xml", e.raw[o.Policy], o.Policy)
	}
	b, err := json.MarshalIndent(map[string]any{"openapi": "3.0.1", "info": map[string]string{"title": a.DisplayName}, "paths": paths}, "", "  ")
	if err == nil {
		w.write(base+"/specification.json", append(b, '\n'), false)
	}
}
