package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/report"
	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"
)

// handlingConfig is the demo's configuration (its resident registry is of
// confidentiality class 2, as in a real town) with a pool "secret" that
// the registry and the website write from scratch cartridges, without
// schedules.
func handlingConfig(t *testing.T, dir string) string {
	t.Helper()
	demo, err := os.ReadFile("../../daemon/config/demo.yaml")
	require.NoError(t, err)
	conf := strings.ReplaceAll(string(demo), "/var/lib/tapewarden", dir)
	conf = regexp.MustCompile(`(?m)^    schedule: .*\n`).ReplaceAllString(conf, "")
	for _, r := range [][2]string{
		{"  - name: scratch\n", "  - name: secret\n    media_type: LTO-8\n    scheme: cycle\n    cycle: {cartridges: 5, every: day}\n    scratch: scratch\n  - name: scratch\n"},
		{"jobs:\n", "jobs:\n  - name: juki-secret\n    system: juki\n    pool: secret\n    source: {paths: [" + dir + "/demo-data/juki]}\n" +
			"  - name: website-secret\n    system: website\n    pool: secret\n    source: {paths: [" + dir + "/demo-data/website]}\n"},
	} {
		require.Contains(t, conf, r[0])
		conf = strings.Replace(conf, r[0], r[1], 1)
	}
	path := filepath.Join(dir, "tapewarden.yaml")
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o644))
	return path
}

// policyFindings runs the daemon's policy check and keeps the findings of
// the rules given.
func policyFindings(t *testing.T, p *daemonProc, rules ...string) []rotation.Finding {
	t.Helper()
	out, errOut, code := p.run("policy", "check", "--json", "--config", filepath.Join(p.stateDir, "tapewarden.yaml"))
	require.Contains(t, []int{0, 1}, code, errOut)
	var rep report.PolicyReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	require.True(t, rep.Catalog, "the check used the catalog")
	var fs []rotation.Finding
	for _, f := range rep.Findings {
		for _, r := range rules {
			if f.Rule == r {
				fs = append(fs, f)
			}
		}
	}
	return fs
}

// TestHandlingClassesAndPlacesThroughTheCLI: a cartridge's handling class
// rises when a run of a confidentiality-2 system lands on it (the fall,
// which takes days of rotation, is TestHandlingClassFallsWhenTheGeneration
// Expires in package daemon, on the daemon's clock); the policy check finds class-2 data in an unprotected place, on a manifest
// without encryption and at one site only, and each finding clears once
// a person has done what it says.
func TestHandlingClassesAndPlacesThroughTheCLI(t *testing.T) {
	dir := stateDir(t)
	// The demo stocks the world (and writes yesterday's DLY001L8).
	p := startDemo(t, dir)
	require.NoError(t, p.kill(syscall.SIGTERM))
	p = startWithConfig(t, handlingConfig(t, dir))

	sites := p.must("site", "list")
	assert.Contains(t, sites, "safe (fireproof-safe: lockable, fireproof, waterproof, access-controlled), shelf (shelf: access-controlled)")
	assert.Contains(t, sites, "cabinet (cabinet: lockable)")

	list := p.must("media", "list", "--pool", "scratch")
	assert.Regexp(t, `SCR001L8\s.*\s-\s+0`, list, "a blank cartridge has no class")

	// The rise: the registry's run lands on a scratch cartridge.
	var run media.Run
	require.NoError(t, json.Unmarshal([]byte(p.must("job", "run", "juki-secret", "--wait", "--json")), &run))
	require.Equal(t, media.RunSucceeded, run.State, run.Reason)
	require.NoError(t, json.Unmarshal([]byte(p.must("run", "show", fmt.Sprint(run.ID), "--json")), &run))
	require.Len(t, run.Pieces, 1)
	x := run.Pieces[0].Barcode
	assert.Contains(t, p.must("media", "show", x), "handling class  C2 I2")
	assert.Regexp(t, x+`\s.*\sC2 I2\s`, p.must("media", "list", "--pool", "secret"))
	// DLY001L8, written yesterday, holds the registry's data too.
	assert.Contains(t, p.must("media", "show", "DLY001L8"), "handling class  C2 I2")

	// Every copy of the registry is in the machine room.
	fs := policyFindings(t, p, "copies-one-site")
	require.Len(t, fs, 2, "%v", fs) // juki, and koseki on DLY001L8
	assert.Equal(t, `system "juki"`, fs[0].Subject)
	assert.Contains(t, fs[0].Message, "has every copy of its data on cartridges at honcho, where its server is (DLY001L8, "+x+")")

	// DLY001L8 out of the library onto the open shelf: not a place for it.
	p.must("library", "export", "DLY001L8")
	slot := regexp.MustCompile(`mailslot/(\d)`).FindStringSubmatch(p.must("media", "show", "DLY001L8"))
	require.Len(t, slot, 2)
	p.must("library", "mailslot", "take", slot[1])
	p.must("media", "move", "DLY001L8", "--to", "honcho/shelf")
	fs = policyFindings(t, p, "storage-place")
	require.Len(t, fs, 1, "%v", fs)
	assert.Equal(t, rotation.SeverityError, fs[0].Severity)
	assert.Equal(t, `place "honcho/shelf"`, fs[0].Subject)
	assert.Contains(t, fs[0].Message, "keeps DLY001L8 with data of juki (confidentiality 2, integrity 2, availability 2) and koseki (availability 2)")
	assert.Contains(t, fs[0].Message, "the place is not lockable, fireproof or waterproof: move it to honcho/safe ('tapewarden media move DLY001L8 --to honcho/safe')")
	p.must("media", "move", "DLY001L8", "--to", "honcho/safe")
	assert.Empty(t, policyFindings(t, p, "storage-place"), "the safe is lockable, fireproof and waterproof")

	// DLY001L8 holds the registry encrypted (the demo's daily pool): on a
	// manifest to the annex it raises no finding.
	var enc media.Manifest
	require.NoError(t, json.Unmarshal([]byte(p.must("manifest", "create", "--to", "hill-annex", "DLY001L8", "--json")), &enc))
	assert.Empty(t, policyFindings(t, p, "manifest-encryption"), "DLY001L8's data is encrypted")
	p.must("manifest", "cancel", enc.ID, "--reason", "the test sends the unencrypted one")

	// x holds it unencrypted (the secret pool): on a manifest to the
	// annex it is a finding.
	p.must("library", "export", x)
	slot = regexp.MustCompile(`mailslot/(\d)`).FindStringSubmatch(p.must("media", "show", x))
	require.Len(t, slot, 2)
	p.must("library", "mailslot", "take", slot[1])
	p.must("media", "move", x, "--to", "honcho/safe")
	var m media.Manifest
	require.NoError(t, json.Unmarshal([]byte(p.must("manifest", "create", "--to", "hill-annex", x, "--json")), &m))
	require.Len(t, m.Items, 1)
	assert.Equal(t, media.Handling{Confidentiality: 2, Integrity: 2}, m.Items[0].Handling)
	out := p.must("manifest", "show", m.ID)
	assert.Contains(t, out, "1 cartridge holds data of CLASS 2: carry it encrypted or in a locked case, and keep it locked")
	assert.Regexp(t, x+`\s+listed\s+CLASS 2 \(confidentiality 2, integrity 2\)`, out)
	fs = policyFindings(t, p, "manifest-encryption")
	require.Len(t, fs, 1, "%v", fs)
	assert.Equal(t, `manifest "`+m.ID+`"`, fs[0].Subject)
	assert.Contains(t, fs[0].Message, "lists "+x+", holding confidentiality-2 data of juki written without encryption, for hill-annex")
	assert.Contains(t, fs[0].Message, "set encryption: age with recipients: on pool secret")
	// The courier plan and the swap list say it too.
	assert.Contains(t, p.must("courier", "plan"), "CLASS 2 (confidentiality 2, integrity 2): carry it encrypted or in a locked case, keep it locked")

	// Delivered to the annex's safe: nothing travels, and the registry
	// has a copy away from the machine room.
	p.must("manifest", "pickup", m.ID, "--courier", "Tanaka", x)
	assert.Len(t, policyFindings(t, p, "manifest-encryption"), 1, "still on the road")
	p.must("manifest", "deliver", m.ID, "--place", "safe", x)
	assert.Empty(t, policyFindings(t, p, "manifest-encryption", "storage-place"))
	fs = policyFindings(t, p, "copies-one-site")
	require.Len(t, fs, 1, "%v", fs)
	assert.Equal(t, `system "koseki"`, fs[0].Subject, "juki's copies are at two sites now; koseki's only at honcho")
	assert.Contains(t, fs[0].Message, "has every copy of its data on cartridges at honcho, where its server is (DLY001L8)")
}
