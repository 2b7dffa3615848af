package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/config"

	"github.com/tapewarden/tapewarden/daemon/report"
)

// reportText renders a report the way the golden files keep it: one
// finding per line.
func reportText(r report.PolicyReport) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "config: %s\ncatalog: %v\nerrors %d, warnings %d, infos %d\n", r.Config, r.Catalog, r.Errors, r.Warnings, r.Infos)
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	for _, f := range r.Findings {
		fmt.Fprintln(&b, f)
	}
	return b.Bytes()
}

// has reports whether a finding of the rule, severity and subject is
// among fs.
func hasFinding(fs []rotation.Finding, sev rotation.Severity, rule, subject string) bool {
	for _, f := range fs {
		if f.Severity == sev && f.Rule == rule && f.Subject == subject {
			return true
		}
	}
	return false
}

func TestPolicyCheckDemoWithoutCatalog(t *testing.T) {
	cfg, err := config.DemoConfig(t.TempDir())
	require.NoError(t, err)
	r := report.CheckPolicy("demo.yaml", cfg.PolicyConfig(), rotation.Facts{}, jst(2025, 4, 1, 9, 0))
	policyGolden(t, "check-demo.golden", reportText(r))

	// The demonstration town meets the standard: the registries'
	// monthly copies reach the data centre outside the prefecture. Only
	// the website's restore procedure is not written down yet.
	assert.False(t, r.Failed())
	for _, s := range []string{"juki", "koseki", "website", "zeimu"} {
		assert.False(t, hasFinding(r.Findings, rotation.SeverityError, "remote-copy", fmt.Sprintf("system %q", s)), s)
		assert.False(t, hasFinding(r.Findings, rotation.SeverityError, "daily-backup", fmt.Sprintf("system %q", s)), s)
	}
	assert.True(t, hasFinding(r.Findings, rotation.SeverityWarning, "restore-procedure", `system "website"`))
	// Without the catalog the drill rule says it cannot check yet.
	assert.True(t, hasFinding(r.Findings, rotation.SeverityInfo, "restore-drill", "restore drills"))
	assert.False(t, r.Catalog)
}

func TestPolicyCheckDemoWithCatalog(t *testing.T) {
	clock := &stillClock{now: jst(2025, 4, 1, 9, 0)}
	h := startDaemon(t, withDemoWorld, withClock(clock))
	ctx := context.Background()

	// A drill that failed is a finding of its own; one that passed long
	// ago is too old. The catalog dates a drill when it is recorded.
	for _, dr := range []media.Drill{
		{System: "koseki", Job: "koseki-daily", At: jst(2023, 11, 2, 10, 0), Result: "passed"},
		{System: "zeimu", Job: "zeimu-monthly", At: jst(2025, 2, 2, 10, 0), Result: "passed"},
		{System: "juki", Job: "juki-daily", At: jst(2025, 3, 20, 10, 0), Result: "failed", Note: "restored into the wrong directory"},
	} {
		clock.Set(dr.At)
		_, err := h.d.Catalog().RecordDrill(ctx, tester, dr)
		require.NoError(t, err)
	}
	clock.Set(jst(2025, 4, 1, 9, 0))

	var r report.PolicyReport
	h.ok("GET", "/v1/policy/check", nil, &r)
	policyGolden(t, "check-demo-catalog.golden", reportText(r))
	assert.True(t, r.Catalog)
	assert.False(t, hasFinding(r.Findings, rotation.SeverityInfo, "restore-drill", "restore drills"))
	assert.True(t, hasFinding(r.Findings, rotation.SeverityWarning, "restore-drill", `system "juki"`), "failed drill")
	assert.True(t, hasFinding(r.Findings, rotation.SeverityWarning, "restore-drill", `system "koseki"`), "drill too old")
	assert.True(t, hasFinding(r.Findings, rotation.SeverityWarning, "restore-drill", `system "website"`), "no drill")
	assert.False(t, hasFinding(r.Findings, rotation.SeverityWarning, "restore-drill", `system "zeimu"`), "recent drill")
	// Both LTO and DAT drives have a cleaning cartridge in the demo.
	for _, f := range r.Findings {
		assert.NotEqual(t, "cleaning-cartridge", f.Rule, f.String())
	}
}

// loadPolicyBad reads testdata/config/policy-bad.yaml with its state in a
// fresh directory.
func loadPolicyBad(t *testing.T) *config.Config {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "config", "policy-bad.yaml"))
	require.NoError(t, err)
	dir := shortTempDir(t)
	cfg, err := config.ParsePolicyConfig("policy-bad.yaml", bytes.ReplaceAll(data, []byte("/var/lib/tapewarden"), []byte(dir)))
	require.NoError(t, err)
	return cfg
}

// policyBadFindings are the findings policy-bad.yaml is made to give,
// besides the catalog's.
var policyBadFindings = []struct {
	sev           rotation.Severity
	rule, subject string
}{
	{rotation.SeverityError, "rotation-min-5", `pool "daily"`},
	{rotation.SeverityError, "daily-backup", `system "zeimu"`},
	{rotation.SeverityError, "remote-copy", `system "juki"`},
	{rotation.SeverityWarning, "offsite-hazard", `site "harbour-annex"`},
	{rotation.SeverityError, "offsite-distance", `site "near-dc"`},
	{rotation.SeverityWarning, "cleaning-policy", `drive "lto0"`},
}

func TestPolicyCheckBadConfiguration(t *testing.T) {
	// The daemon refuses to run a rotation of three cartridges ...
	_, err := config.LoadConfig(filepath.Join("..", "testdata", "config", "policy-bad.yaml"))
	require.ErrorIs(t, err, config.ErrConfig)
	assert.Contains(t, err.Error(), "3 is below the standard's minimum of 5")
	// It points at the cycle: line (45), not the pool's (42), and names the
	// field.
	var errs config.ConfigErrors
	require.ErrorAs(t, err, &errs)
	var below []*config.ConfigError
	for _, e := range errs {
		if strings.Contains(e.Msg, "below the standard's minimum") {
			below = append(below, e)
		}
	}
	require.Len(t, below, 1)
	assert.Equal(t, 45, below[0].Line)
	assert.Equal(t, "pools[0].cycle.cartridges", below[0].Field)
	assert.True(t, strings.HasPrefix(below[0].Msg, "3 is below the standard's minimum of 5"), below[0].Msg)
	// ... which the policy check reports as a finding instead.
	cfg := loadPolicyBad(t)
	r := report.CheckPolicy("policy-bad.yaml", cfg.PolicyConfig(), rotation.Facts{}, jst(2025, 4, 1, 9, 0))
	policyGolden(t, "check-bad.golden", reportText(r))
	for _, want := range policyBadFindings {
		assert.True(t, hasFinding(r.Findings, want.sev, want.rule, want.subject), "%s %s %s", want.sev, want.rule, want.subject)
	}
	assert.True(t, r.Failed())
	assert.False(t, hasFinding(r.Findings, rotation.SeverityError, "config-invalid", `pool "daily"`), "the small rotation is a policy finding, not a broken configuration")

	// With the catalog's facts: the DAT drive has no cleaning cartridge.
	clock := &stillClock{now: jst(2025, 4, 1, 9, 0)}
	h := startDaemon(t, func(c *config.Config, _ *Options) { *c = *cfg }, withClock(clock))
	ctx := context.Background()
	uses := 50
	_, err = h.d.Catalog().AddCartridge(ctx, tester, media.NewCartridge{Barcode: "CLN001CU", Location: media.Storage("honcho", "shelf"), UsesLeft: &uses})
	require.NoError(t, err)
	var withFacts report.PolicyReport
	h.ok("GET", "/v1/policy/check", nil, &withFacts)
	for _, want := range policyBadFindings {
		assert.True(t, hasFinding(withFacts.Findings, want.sev, want.rule, want.subject), "%s %s %s", want.sev, want.rule, want.subject)
	}
	assert.True(t, hasFinding(withFacts.Findings, rotation.SeverityWarning, "cleaning-cartridge", "drive type DAT160"))
	assert.False(t, hasFinding(withFacts.Findings, rotation.SeverityWarning, "cleaning-cartridge", "drive type LTO-8"))
	assert.True(t, withFacts.Catalog)
}

func TestPolicyCheckOfAnotherConfiguration(t *testing.T) {
	// A configuration about to replace the running one is checked with
	// the running daemon's catalog.
	clock := &stillClock{now: jst(2025, 4, 1, 9, 0)}
	h := startDaemon(t, withClock(clock))
	cfg := loadPolicyBad(t)
	var r report.PolicyReport
	h.ok("POST", "/v1/policy/check", report.PolicyCheckRequest{Config: cfg.PolicyConfig(), Name: "new.yaml"}, &r)
	assert.Equal(t, "new.yaml", r.Config)
	assert.True(t, r.Catalog)
	// An empty catalog: no cleaning cartridge for either drive type.
	assert.True(t, hasFinding(r.Findings, rotation.SeverityWarning, "cleaning-cartridge", "drive type DAT160"))
	assert.True(t, hasFinding(r.Findings, rotation.SeverityWarning, "cleaning-cartridge", "drive type LTO-8"))
	for _, want := range policyBadFindings {
		assert.True(t, hasFinding(r.Findings, want.sev, want.rule, want.subject), "%s %s %s", want.sev, want.rule, want.subject)
	}

	status, body := h.call("POST", "/v1/policy/check", `{"config": {}, "colour": "blue"}`)
	assert.Equal(t, http.StatusBadRequest, status, string(body))
	assert.Contains(t, string(body), "colour")
}

func TestParsePolicyConfigKeepsOtherErrors(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "config", "policy-bad.yaml"))
	require.NoError(t, err)
	broken := strings.Replace(string(data), "every: week}", "every: fortnight}", 1)
	_, err = config.ParsePolicyConfig("broken.yaml", []byte(broken))
	var errs config.ConfigErrors
	require.True(t, errors.As(err, &errs), "%v", err)
	require.Len(t, errs, 1, "%v", err)
	assert.Contains(t, errs[0].Msg, `"fortnight" is not a period`)

	// A waiver makes the small rotation acceptable to the daemon too.
	waived := strings.Replace(string(data), "cycle: {cartridges: 3, every: day}", "cycle: {cartridges: 3, every: day}\n    waiver: {reason: three-cartridge autoloader until 2026, approved_by: ICT department}", 1)
	cfg, err := config.ParseConfig("waived.yaml", []byte(waived))
	require.NoError(t, err)
	r := report.CheckPolicy("waived.yaml", cfg.PolicyConfig(), rotation.Facts{}, jst(2025, 4, 1, 9, 0))
	assert.True(t, hasFinding(r.Findings, rotation.SeverityWarning, "rotation-min-5", `pool "daily"`))
	assert.False(t, hasFinding(r.Findings, rotation.SeverityError, "rotation-min-5", `pool "daily"`))
}
