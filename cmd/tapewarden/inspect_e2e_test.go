package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"
)

// TestInspectionThroughTheCLI inspects the annex's cabinet with every
// kind of difference, reads the report, and resolves each finding.
func TestInspectionThroughTheCLI(t *testing.T) {
	p := startDemo(t, stateDir(t))
	p.must("media", "add", "INS001L8", "--pool", "daily", "--at", "hill-annex/cabinet") // present
	p.must("media", "add", "INS002L8", "--pool", "daily", "--at", "hill-annex/cabinet") // missing
	p.must("media", "add", "INS003L8", "--pool", "daily", "--at", "hill-annex/cabinet") // misplaced: in the safe
	p.must("media", "add", "INS004L8", "--pool", "daily", "--at", "honcho/shelf")       // surplus

	var in media.Inspection
	require.NoError(t, json.Unmarshal([]byte(p.must("inspect", "start", "hill-annex", "--place", "cabinet", "--json")), &in))
	_, errOut, code := p.run("inspect", "start", "hill-annex")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "is still open")
	_, errOut, code = p.run("inspect", "close", in.ID)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "nothing was scanned")

	// A wedge scanner types one barcode per line.
	out, errOut, code := runCLI(t, []string{"TAPEWARDEN_SOCKET=" + p.socket}, "ins001l8\nINS004L8\nUNK999L8\nINS001L8\n", "inspect", "scan", in.ID, "-")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "3 so far")
	p.must("inspect", "scan", in.ID, "--place", "safe", "INS003L8")
	_, errOut, code = p.run("inspect", "scan", in.ID, "--place", "attic", "INS003L8")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "places there: cabinet, safe")

	out = p.must("inspect", "close", in.ID)
	assert.Contains(t, out, "closed")
	assert.Contains(t, out, "audit chain")
	assert.Contains(t, out, "OPEN: resolve with 'tapewarden inspect resolve "+in.ID+" INS002L8")
	require.NoError(t, json.Unmarshal([]byte(p.must("inspect", "show", in.ID, "--json")), &in))
	kinds := map[string]string{}
	for _, f := range in.Findings {
		kinds[f.Barcode] = f.Kind
	}
	assert.Equal(t, media.FindingMissing, kinds["INS002L8"])
	assert.Equal(t, media.FindingMisplaced, kinds["INS003L8"])
	assert.Equal(t, media.FindingSurplus, kinds["INS004L8"])
	assert.Equal(t, media.FindingUnknown, kinds["UNK999L8"])
	assert.NotContains(t, kinds, "INS001L8")
	assert.Contains(t, in.Present, "INS001L8")
	require.NotNil(t, in.Chain)

	// Nothing moved until a person decides.
	out = p.must("media", "show", "INS004L8")
	assert.Contains(t, out, "honcho/shelf")
	_, errOut, code = p.run("inspect", "resolve", in.ID, "INS002L8", "--lost")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "needs a note")
	p.must("inspect", "resolve", in.ID, "INS002L8", "--lost", "--note", "searched both buildings")
	p.must("inspect", "resolve", in.ID, "INS003L8", "--found", "hill-annex/safe", "--note", "kept in the safe now")
	p.must("inspect", "resolve", in.ID, "INS004L8", "--found", "hill-annex/cabinet", "--note", "carried over by hand")
	out = p.must("inspect", "resolve", in.ID, "UNK999L8", "--lost", "--note", "a supplier's sample, sent back")
	assert.Contains(t, out, "0 open")
	out = p.must("media", "show", "INS004L8")
	assert.Contains(t, out, "hill-annex/cabinet")
	out = p.must("media", "show", "INS002L8")
	assert.Contains(t, out, "lost")

	out = p.must("inspect", "list", "--site", "hill-annex")
	assert.Contains(t, out, in.ID)
	out = p.must("audit", "log", "--barcode", "INS003L8")
	assert.Contains(t, out, "inspection-finding")
	assert.Contains(t, out, "inspection-resolved")
	out = p.must("audit", "verify")
	assert.Contains(t, out, "audit chain intact")

	metrics := p.must("status") // the daemon still healthy after it all
	assert.Contains(t, metrics, "healthy")
}
