package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

// buildVersion is what the build knows about itself. A member it does not
// know is empty, and is left out of both the text and the JSON.
type buildVersion struct {
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Go       string `json:"go,omitempty"`
	time     string // vcs.time, the commit's time
	modified bool   // vcs.modified: built from a work tree with changes
}

func newVersionCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the commit it was built from, and the Go version",
		Long: `Print the version, the commit it was built from (with its time, and whether the work tree
had changes), and the Go version. What the build does not know is left out: go run and
go test builds carry no commit; go build and go install from a git clone do.`,
		Example: `  entratoken version
  entratoken version -o json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			f.markRan()
			bi, ok := debug.ReadBuildInfo()
			v := versionOf(version, bi, ok)
			if f.Globals.Output == "json" {
				return writeJSON(f.IO.Out, v)
			}
			_, err := fmt.Fprintln(f.IO.Out, v.text())
			return err
		},
	}
}

// versionOf reads the version from the ldflags value, then the module
// version, and the VCS stamp the go command puts into the build.
func versionOf(ldflags string, bi *debug.BuildInfo, ok bool) buildVersion {
	v := buildVersion{Version: ldflags, Go: runtime.Version()}
	if !ok || bi == nil {
		return v
	}
	if bi.GoVersion != "" {
		v.Go = bi.GoVersion
	}
	if (v.Version == "" || v.Version == "dev") && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = strings.TrimSpace(s.Value)
			if len(v.Commit) > 12 {
				v.Commit = v.Commit[:12]
			}
		case "vcs.time":
			v.time = strings.TrimSpace(s.Value)
		case "vcs.modified":
			v.modified = s.Value == "true"
		}
	}
	if v.Version == "" {
		v.Version = "dev"
	}
	return v
}

// text is the one-line form: entratoken v1.2.3 (commit 0123456789ab,
// 2026-03-01T10:00:00Z, modified; go1.26.0 linux/amd64), with what is not
// known left out.
func (v buildVersion) text() string {
	var build []string
	if v.Commit != "" {
		build = append(build, "commit "+v.Commit)
		if v.time != "" {
			build = append(build, v.time)
		}
		if v.modified {
			build = append(build, "modified")
		}
	}
	platform := runtime.GOOS + "/" + runtime.GOARCH
	if v.Go != "" {
		platform = v.Go + " " + platform
	}
	inside := platform
	if len(build) > 0 {
		inside = strings.Join(build, ", ") + "; " + platform
	}
	return "entratoken " + v.Version + " (" + inside + ")"
}
