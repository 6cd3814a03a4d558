package main

import (
	"encoding/json"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionOf(t *testing.T) {
	stamped := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.3.1-0.20260301100000-0123456789ab+dirty"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-03-01T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		}}
	platform := runtime.GOOS + "/" + runtime.GOARCH
	for _, tt := range []struct {
		name     string
		ldflags  string
		bi       *debug.BuildInfo
		ok       bool
		text     string
		jsonWant string
	}{
		{"go build from a clone", "dev", stamped, true,
			"entratoken v0.3.1-0.20260301100000-0123456789ab+dirty (commit 0123456789ab, 2026-03-01T10:00:00Z, modified; go1.26.0 " + platform + ")",
			`{"version":"v0.3.1-0.20260301100000-0123456789ab+dirty","commit":"0123456789ab","go":"go1.26.0"}`},
		{"a release: ldflags win", "v1.2.3", stamped, true,
			"entratoken v1.2.3 (commit 0123456789ab, 2026-03-01T10:00:00Z, modified; go1.26.0 " + platform + ")",
			`{"version":"v1.2.3","commit":"0123456789ab","go":"go1.26.0"}`},
		{"go run: no VCS stamp", "dev", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, true,
			"entratoken dev (go1.26.0 " + platform + ")",
			`{"version":"dev","go":"go1.26.0"}`},
		{"short revision, clean tree", "dev", &debug.BuildInfo{GoVersion: "go1.26.0", Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "false"}}}, true,
			"entratoken dev (commit abc123; go1.26.0 " + platform + ")",
			`{"version":"dev","commit":"abc123","go":"go1.26.0"}`},
	} {
		v := versionOf(tt.ldflags, tt.bi, tt.ok)
		if got := v.text(); got != tt.text {
			t.Errorf("%s: text\n got  %q\n want %q", tt.name, got, tt.text)
		}
		if strings.Contains(v.text(), "  ") || strings.Contains(v.text(), "commit )") {
			t.Errorf("%s: %q has an empty part", tt.name, v.text())
		}
		b, _ := json.Marshal(v)
		if string(b) != tt.jsonWant {
			t.Errorf("%s: json\n got  %s\n want %s", tt.name, b, tt.jsonWant)
		}
	}
	// No build information at all: still a version and the Go version.
	if v := versionOf("dev", nil, false); v.text() != "entratoken dev ("+runtime.Version()+" "+platform+")" {
		t.Errorf("no build info: %q", v.text())
	}
}
