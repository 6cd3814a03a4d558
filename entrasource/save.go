package entrasource

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Save writes what was read below dir (spec/cli.md, --save-evidence: the
// entra/ folder): applications/<appId>.json, servicePrincipals/<appId>.json,
// appRoleAssignments/<servicePrincipalId>.json and
// oauth2PermissionGrants/<servicePrincipalId>.json, as Graph answered them
// (a list as {"value": [...]}, every page), with any secretText removed.
func (e *Evidence) Save(dir string) ([]string, error) {
	paths := make([]string, 0, len(e.raw))
	for p := range e.raw {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		var doc any
		if err := json.Unmarshal(e.raw[p], &doc); err != nil {
			return nil, fmt.Errorf("save %s: %v", p, err)
		}
		scrub(doc)
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return nil, err
		}
		full := filepath.Join(dir, "entra", filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return nil, fmt.Errorf("--save-evidence: %v", err)
		}
		if err := os.WriteFile(full, append(b, '\n'), 0o644); err != nil {
			return nil, fmt.Errorf("--save-evidence: %v", err)
		}
	}
	return paths, nil
}

// scrub removes secretText (and @odata.context, which names the endpoint)
// everywhere in a document.
func scrub(v any) {
	switch t := v.(type) {
	case map[string]any:
		delete(t, "secretText")
		delete(t, "hint") // a password credential's first characters of the secret
		delete(t, "@odata.context")
		for _, c := range t {
			scrub(c)
		}
	case []any:
		for _, c := range t {
			scrub(c)
		}
	}
}

// merge joins two reads of the same object (its API members and its
// credentials); b wins where both have a member.
func merge(a, b json.RawMessage) json.RawMessage {
	if a == nil {
		return b
	}
	var ma, mb map[string]json.RawMessage
	if json.Unmarshal(a, &ma) != nil || json.Unmarshal(b, &mb) != nil {
		return b
	}
	for k, v := range mb {
		ma[k] = v
	}
	out, _ := json.Marshal(ma)
	return out
}
