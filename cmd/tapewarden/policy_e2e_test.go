package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/config"

	"github.com/tapewarden/tapewarden/daemon/report"
)

var updatePolicy = flag.Bool("update", false, "rewrite the golden files under testdata/policy")

const policyData = "../../testdata/policy"

// noPolicyDaemon points the CLI at a socket nobody serves.
func noPolicyDaemon(t *testing.T) []string {
	return []string{"TAPEWARDEN_SOCKET=" + filepath.Join(t.TempDir(), "none.sock")}
}

func TestPolicyCheckExitCodes(t *testing.T) {
	// The demonstration town meets the standard, but for a restore
	// procedure nobody wrote down yet.
	out, errOut, code := runCLI(t, []string{"TAPEWARDEN_SOCKET="}, "", "policy", "check", "--demo")
	assert.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "0 errors, 1 warning, 1 info: the configuration meets the standard")
	assert.Contains(t, out, `restore-procedure [第2節 3(2)オ(ウ)a(a)] system "website"`)
	assert.Contains(t, out, "without the daemon: no daemon socket was given")
	assert.Contains(t, out, "restore drills\n      are not tracked yet")

	out, errOut, code = runCLI(t, noPolicyDaemon(t), "", "policy", "check", "--config", "../../testdata/config/policy-good.yaml")
	assert.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "0 errors, 0 warnings, 1 info: the configuration meets the standard")
	assert.Contains(t, out, "is not reachable")

	out, errOut, code = runCLI(t, noPolicyDaemon(t), "", "policy", "check", "--config", "../../testdata/config/policy-bad.yaml")
	assert.Equal(t, 1, code, out+errOut)
	for _, rule := range []string{`rotation-min-5 [第2節 3(2)イ(ア)b] pool "daily"`, `daily-backup [第2節 3(2)イ(ア)a] system "zeimu"`,
		`remote-copy [第2節 3(2)ウ, 第1節 チ(ア)] system "juki"`, `offsite-hazard [第2節 3(2)ウ(イ)a] site "harbour-annex"`,
		`offsite-distance [表-30] site "near-dc"`, `cleaning-policy [表-33 7] drive "lto0"`} {
		assert.Contains(t, out, rule)
	}
	// The daemon would not run it: config check refuses it outright.
	_, errOut, code = runCLI(t, nil, "", "config", "check", "--config", "../../testdata/config/policy-bad.yaml")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "3 is below the standard's minimum of 5")

	out, _, code = runCLI(t, noPolicyDaemon(t), "", "policy", "check", "--offline", "--json", "--config", "../../testdata/config/policy-bad.yaml")
	assert.Equal(t, 1, code)
	var r report.PolicyReport
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	assert.Equal(t, 4, r.Errors)
	assert.False(t, r.Catalog)
	assert.Contains(t, r.Notes[0], "--offline")

	// A file that is not a configuration stays a configuration error.
	_, errOut, code = runCLI(t, nil, "", "policy", "check", "--config", "../../testdata/config/bad.yaml")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "bad.yaml:14: sites[1].distance_km: expected a number")
	_, _, code = runCLI(t, nil, "", "policy", "check", "--config", "/nonexistent/tapewarden.yaml")
	assert.Equal(t, 2, code)
}

func TestPolicyCommandsThroughTheCLI(t *testing.T) {
	p := startDemo(t, stateDir(t))

	out := p.must("courier", "plan")
	assert.Contains(t, out, "pool monthly: keep 2 away at pref-dc")
	assert.Contains(t, out, "RECALL   MON005L8: vault at pref-dc -> honcho; no manifest yet")
	assert.Contains(t, out, "List them for the courier: tapewarden manifest create --from-plan")
	var plan report.CourierPlan
	require.NoError(t, json.Unmarshal([]byte(p.must("courier", "plan", "--json")), &plan))
	assert.Equal(t, "honcho", plan.Site)

	out = p.must("swap-list")
	assert.Contains(t, out, "EXPECT BACK\n  [ ] MON005L8 monthly, from vault at pref-dc, file at lib0")
	var list report.SwapList
	require.NoError(t, json.Unmarshal([]byte(p.must("swap-list", "--json")), &list))
	assert.Len(t, list.Expect, 2)

	// The plan becomes manifests; the second time there is nothing new.
	out = p.must("manifest", "create", "--from-plan", "--note", "Friday courier")
	assert.Regexp(t, `created M-\d{8}-\d{3}\s+pref-dc -> honcho\s+MON005L8 MON006L8`, out)
	out = p.must("manifest", "list")
	assert.Contains(t, out, "pref-dc -> honcho")
	out = p.must("manifest", "create", "--from-plan")
	assert.Contains(t, out, "skipped MON005L8")
	assert.Contains(t, out, "Nothing new")
	out = p.must("courier", "plan")
	assert.Contains(t, out, "MON006L8: vault at pref-dc -> honcho; on manifest M-")
	// The ordinary form still works.
	p.must("media", "add", "E2E001L8", "--pool", "daily", "--at", "honcho/shelf")
	out = p.must("manifest", "create", "--to", "hill-annex", "E2E001L8")
	assert.Contains(t, out, "honcho -> hill-annex")

	for _, bad := range [][]string{
		{"manifest", "create", "--from-plan", "DLY001L8"},
		{"manifest", "create", "--from-plan", "--to", "hill-annex"},
		{"manifest", "create", "--date", "tomorrow", "--to", "hill-annex", "DLY001L8"},
		{"swap-list", "--date", "5 April"},
		{"courier", "plan", "--at", "noon"},
		{"rotation", "calendar", "--from", "someday"},
	} {
		_, errOut, code := p.run(bad...)
		assert.Equal(t, 2, code, "%v: %s", bad, errOut)
	}
	_, errOut, code := p.run("swap-list", "--date", "2001-01-01")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "is in the past")

	out = p.must("rotation", "calendar", "--pool", "daily", "--days", "2")
	assert.Contains(t, out, "Tape schedule: 2 days from ")
	assert.Contains(t, out, "pool daily  cycle of 5, daily generations")
	var s rotation.Schedule
	require.NoError(t, json.Unmarshal([]byte(p.must("rotation", "calendar", "--days", "1", "--json")), &s))
	assert.Len(t, s.Calendar, 1)
	_, errOut, code = p.run("rotation", "calendar", "--pool", "nope")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, `no pool "nope" is configured`)

	// With the daemon the policy check uses the catalog's facts.
	out, _, code = p.run("policy", "check", "--demo")
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "with the catalog's facts")
	assert.Contains(t, out, `restore-drill [第2節 3(2)オ(ウ)a(b)] system "juki"`)
	out, errOut, code = p.run("policy", "check", "--config", "../../testdata/config/policy-good.yaml")
	assert.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "with the catalog's facts")
}

// renderPolicyText runs a text printer the way app.call does.
func renderPolicyText(print func(io.Writer)) []byte {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	print(tw)
	tw.Flush()
	return b.Bytes()
}

func policyGoldenText(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(policyData, name)
	if *updatePolicy {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run 'go test ./cmd/tapewarden -run %s -update'", t.Name())
	assert.Equal(t, string(want), string(got), "differs from %s; if the change is right, refresh it with -update", path)
}

// TestPolicyTextOutput prints the daemon's golden answers (written by the
// daemon's tests) as the CLI does.
func TestPolicyTextOutput(t *testing.T) {
	read := func(name string, v any) {
		data, err := os.ReadFile(filepath.Join(policyData, name))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(data, v))
	}
	// Each in English and in Japanese, the language the daemon wrote it
	// in, dates in the zone of its answer.
	for _, lang := range []string{"", ".ja"} {
		var plan report.CourierPlan
		read("courier-plan"+lang+".golden.json", &plan)
		pr := (&app{}).printer(plan.Language, plan.Departs.Location())
		policyGoldenText(t, "courier-plan"+lang+".golden", renderPolicyText(func(w io.Writer) { printCourierPlan(w, pr, plan) }))
		var list report.SwapList
		read("swap-list"+lang+".golden.json", &list)
		pr = (&app{}).printer(list.Language, list.At.Location())
		policyGoldenText(t, "swap-list"+lang+".golden", renderPolicyText(func(w io.Writer) { printSwapList(w, pr, list) }))
	}

	cfg, err := config.LoadPolicyConfig("../../testdata/config/policy-bad.yaml")
	require.NoError(t, err)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	r := report.CheckPolicy("testdata/config/policy-bad.yaml", cfg.PolicyConfig(), rotation.Facts{}, time.Date(2025, 4, 5, 9, 0, 0, 0, tokyo))
	var b strings.Builder
	printPolicyReport(&b, r)
	policyGoldenText(t, "check-bad.txt.golden", []byte(b.String()))
}
