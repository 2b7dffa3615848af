package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// Set by the linker when a release is built (make deb):
//
//	go build -ldflags "-X main.version=0.1.0 -X main.commit=abc123... -X main.buildDate=2026-12-06T00:00:00Z"
//
// Each one left empty is taken from the Go build information instead.
var (
	version   string
	commit    string
	buildDate string
)

// buildInfo says which tapewarden this is.
type buildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Modified  bool   `json:"modified"`
	Date      string `json:"date"`
	GoVersion string `json:"go_version"`
}

// readBuildInfo combines the linker's values with what the Go toolchain
// recorded: the module version (for `go install ...@vX.Y.Z`), and the
// commit, its time and whether the work tree had changes (for a build
// from a git checkout with -buildvcs on, the default).
func readBuildInfo() buildInfo {
	bi := buildInfo{Version: version, Commit: commit, Date: buildDate, GoVersion: "unknown"}
	info, ok := debug.ReadBuildInfo()
	if ok {
		bi.GoVersion = info.GoVersion
		if bi.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			bi.Version = strings.TrimPrefix(info.Main.Version, "v")
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if bi.Commit == "" {
					bi.Commit = s.Value
				}
			case "vcs.time":
				if bi.Date == "" {
					bi.Date = s.Value
				}
			case "vcs.modified":
				bi.Modified = s.Value == "true"
			}
		}
	}
	if bi.Version == "" {
		bi.Version = config.Version
	}
	if bi.Commit == "" {
		bi.Commit = "unknown"
	}
	if bi.Date == "" {
		bi.Date = "unknown"
	}
	return bi
}

func (bi buildInfo) write(w io.Writer) {
	c := bi.Commit
	if bi.Modified {
		c += " (with uncommitted changes)"
	}
	d := bi.Date
	if t, err := time.Parse(time.RFC3339, d); err == nil {
		d = t.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(w, "tapewarden %s\ncommit: %s\ndate:   %s\ngo:     %s\n", bi.Version, c, d, bi.GoVersion)
}

// versionCommand is `tapewarden version`; the root's --version prints the
// same text.
func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date (offline)",
		Long: `Print tapewarden's version, the commit it was built from and the date of
that build (for a release, the date of the commit; otherwise the commit's
time as the Go toolchain recorded it), and the Go version. Works without
the daemon. --json prints the same as JSON.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			bi := readBuildInfo()
			if a.jsonOut {
				return a.printJSON(bi)
			}
			bi.write(a.out)
			return nil
		},
	}
}

// versionTemplate is what --version prints.
func versionTemplate() string {
	var b strings.Builder
	readBuildInfo().write(&b)
	// cobra runs the template through text/template.
	return strings.NewReplacer("{{", "{{`{{`}}").Replace(b.String())
}
