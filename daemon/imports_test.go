package daemon

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// allowedImports is the design's table of dependencies between our
// packages: each package of the module and the packages of ours it may
// import directly. An import not listed here is a cut crossed; a package
// not listed here has no room yet. Edit the table, and README.md's Layout
// section, in the same change as the code.
var allowedImports = map[string][]string{
	// The one binary: the daemon, and a client of the API's answer types.
	"cmd/tapewarden": {"daemon", "daemon/api", "daemon/api/client", "daemon/archive", "daemon/auth", "daemon/config", "daemon/engine", "daemon/i18n", "daemon/recovery", "daemon/report", "media", "drives", "rotation"},
	// Wiring only: New, Run, Close, the listeners, systemd.
	"daemon": {"daemon/api", "daemon/auth", "daemon/config", "daemon/engine", "daemon/i18n", "daemon/metrics", "daemon/report", "daemon/web", "media", "rotation"},
	// The only package that knows HTTP; drives for the device errors in
	// its status table.
	"daemon/api": {"daemon/auth", "daemon/config", "daemon/engine", "daemon/report", "media", "drives", "rotation"},
	// The API as Go methods: the answer types of daemon/api and the
	// packages those types come from; never HTTP statuses of its own.
	"daemon/api/client": {"daemon/api", "daemon/auth", "daemon/engine", "daemon/report", "media", "rotation"},
	// The web console: pages over the engine, the catalog and the report
	// pages, in the catalogue's languages; drives for the device errors in
	// its status table.
	"daemon/web": {"daemon/auth", "daemon/config", "daemon/engine", "daemon/i18n", "daemon/report", "media", "drives"},
	// The message catalogue (en, ja); rotation (pure) for the reasons and
	// locations it tells in either language.
	"daemon/i18n": {"rotation"},
	// Everything that acts on cartridges, drives and libraries. daemon/i18n
	// for the prompts' texts, rendered in English and Japanese when opened.
	"daemon/engine": {"daemon/archive", "daemon/config", "daemon/facts", "daemon/i18n", "daemon/metrics", "daemon/recovery", "media", "drives", "rotation"},
	// Site loss: the catalog file on tape, the rebuild from cartridges,
	// restores without a catalog. Never the engine (it calls this).
	"daemon/recovery": {"daemon/archive", "daemon/config", "media", "drives", "rotation"},
	// Read-only pages: never the engine. drives for media compatibility.
	"daemon/report": {"daemon/config", "daemon/facts", "daemon/i18n", "media", "media/mediatype", "drives", "rotation"},
	// Collectors: never the engine (they read it through metrics.Live).
	// drives for the TapeAlert severities.
	"daemon/metrics": {"daemon/config", "daemon/facts", "media", "drives", "rotation"},
	// Rotation's view of the catalog, shared by the engine, the pages and
	// the metrics.
	"daemon/facts": {"daemon/config", "media", "rotation"},
	// Who is calling: roles, accounts, tokens, sessions, courier codes,
	// kept in the catalog.
	"daemon/auth": {"media"},
	// The configuration file: types and limits of the leaves.
	"daemon/config": {"daemon/archive", "media", "media/mediatype", "drives", "rotation"},
	// The leaves import nothing of ours but the one table of media types,
	// which imports nothing of ours.
	"daemon/archive":  {},
	"media":           {"media/mediatype"},
	"drives":          {"media/mediatype"},
	"rotation":        {"media/mediatype"},
	"media/mediatype": {},
}

// TestImportGraph enforces allowedImports on every package of the module
// (test files aside), and keeps rotation pure.
func TestImportGraph(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH; the import graph was not checked")
	}
	const mod = "github.com/tapewarden/tapewarden"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Imports " "}}`, mod+"/...").Output()
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, imports, _ := strings.Cut(line, ":")
		pkg := strings.TrimPrefix(strings.TrimPrefix(path, mod), "/")
		seen[pkg] = true
		allowed, known := allowedImports[pkg]
		if !assert.True(t, known, "package %s is not in allowedImports: say which of our packages it may import", pkg) {
			continue
		}
		for _, imp := range strings.Fields(imports) {
			ours, isOurs := strings.CutPrefix(imp, mod+"/")
			if !isOurs {
				continue
			}
			assert.True(t, slices.Contains(allowed, ours), "%s imports %s, which allowedImports does not let it", pkg, ours)
		}
	}
	for pkg := range allowedImports {
		assert.True(t, seen[pkg], "allowedImports lists %s, which no longer exists", pkg)
	}

	// rotation is pure: it imports no I/O, device or cgo package itself
	// (fmt pulls in os, so the check is on its direct imports).
	out, err = exec.Command("go", "list", "-f", `{{join .Imports " "}}`, mod+"/rotation").Output()
	require.NoError(t, err)
	for _, bad := range []string{"os", "os/exec", "io/fs", "net", "net/http", "runtime/cgo", "C", "database/sql", "syscall", "math/rand", "math/rand/v2"} {
		assert.NotContains(t, strings.Fields(string(out)), bad, "rotation imports %s", bad)
	}
}

// httpStatus matches code that decides an HTTP status.
var httpStatus = regexp.MustCompile(`http\.Status[A-Z]|\b(conflictf|notFoundf|badRequest)\(`)

// httpFronts are the packages that answer HTTP themselves, each deciding
// its statuses in one table: the API (statuses in api.go) and the web
// console (statuses in daemon/web/errors.go).
var httpFronts = []string{"daemon/api", "daemon/web"}

// TestOnlyTheAPIKnowsHTTPStatuses: HTTP statuses are decided in the HTTP
// front ends (httpFronts); no other package's code under daemon/ names
// one.
func TestOnlyTheAPIKnowsHTTPStatuses(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH; the packages were not checked")
	}
	const mod = "github.com/tapewarden/tapewarden"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{.Dir}}:{{join .GoFiles " "}}`, mod+"/daemon/...").Output()
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if slices.Contains(httpFronts, strings.TrimPrefix(parts[0], mod+"/")) {
			continue
		}
		for _, f := range strings.Fields(parts[2]) {
			data, err := os.ReadFile(filepath.Join(parts[1], f))
			require.NoError(t, err)
			for i, l := range strings.Split(string(data), "\n") {
				if httpStatus.MatchString(l) {
					t.Errorf("%s/%s:%d decides an HTTP status; only daemon/api may: %s", parts[0], f, i+1, strings.TrimSpace(l))
				}
			}
		}
	}
}
