package main

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/report"
	"github.com/tapewarden/tapewarden/media"
)

// TestDisposalRefusedThenAllowedThroughTheCLI: a disposal is refused with
// its reasons and changes nothing, then goes through once a person has
// settled them, and the cartridge is then only in the disposal report.
func TestDisposalRefusedThenAllowedThroughTheCLI(t *testing.T) {
	p := startDemo(t, stateDir(t))
	p.must("media", "add", "DSP001L8", "--pool", "daily", "--at", "honcho/shelf")
	p.must("media", "add", "DSP002L8", "--pool", "daily", "--at", "pref-dc/vault")

	// A tape holding a generation rotation keeps.
	var run media.Run
	require.NoError(t, json.Unmarshal([]byte(p.must("job", "run", "juki-daily", "--wait", "--json")), &run))
	require.Equal(t, media.RunSucceeded, run.State)
	require.NoError(t, json.Unmarshal([]byte(p.must("run", "show", fmt.Sprint(run.ID), "--json")), &run))
	require.NotEmpty(t, run.Pieces)
	// It carries the class of juki's data (confidentiality 2, integrity 2).
	out := p.must("media", "show", run.Pieces[0].Barcode)
	assert.Contains(t, out, "handling class  C2 I2")
	out = p.must("media", "list", "--pool", "daily")
	assert.Regexp(t, run.Pieces[0].Barcode+`\s.*\sC2 I2\s`, out)
	assert.Regexp(t, `DSP001L8\s.*\s-\s+0`, out, "an empty cartridge has no class")
	_, errOut, code := p.run("media", "dispose", run.Pieces[0].Barcode, "--method", "shred", "--witness", "Suzuki")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "which rotation still keeps")

	_, errOut, code = p.run("media", "dispose", "DSP002L8", "--method", "shred", "--witness", "Suzuki")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "not the machine room")

	var m media.Manifest
	require.NoError(t, json.Unmarshal([]byte(p.must("manifest", "create", "--to", "pref-dc", "DSP001L8", "--json")), &m))
	before := p.must("audit", "log", "--barcode", "DSP001L8")
	_, errOut, code = p.run("media", "dispose", "DSP001L8", "--method", "degauss", "--witness", "Suzuki", "--certificate", "VND-114")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "not retired: degaussing erases an LTO cartridge's servo tracks")
	assert.Contains(t, errOut, "manifest "+m.ID+" lists it")
	_, errOut, code = p.run("media", "dispose", "DSP001L8", "--method", "degauss")
	assert.Equal(t, 2, code, errOut)
	assert.Equal(t, before, p.must("audit", "log", "--barcode", "DSP001L8"), "refusals record nothing")

	p.must("manifest", "cancel", m.ID, "--reason", "to be destroyed instead")
	p.must("media", "retire", "DSP001L8", "--reason", "worn out")
	out = p.must("media", "dispose", "DSP001L8", "--method", "degauss", "--witness", "Suzuki", "--certificate", "VND-114")
	assert.Contains(t, out, "VND-114")
	out = p.must("media", "list")
	assert.NotContains(t, out, "DSP001L8", "a disposed cartridge leaves the listings")
	out = p.must("media", "list", "--state", "disposed")
	assert.Contains(t, out, "DSP001L8", "but it is found when asked for")
	out = p.must("media", "show", "DSP001L8")
	assert.Contains(t, out, "disposed")

	var rep report.DisposalReport
	require.NoError(t, json.Unmarshal([]byte(p.must("report", "disposals", "--json")), &rep))
	require.Len(t, rep.Disposals, 1)
	d := rep.Disposals[0]
	assert.Equal(t, "DSP001L8", d.Barcode)
	assert.Equal(t, "degauss", d.Method)
	assert.Equal(t, "Suzuki", d.Witness)
	assert.Equal(t, media.Retired, d.FromState)
	out = p.must("report", "disposals", "--from", d.Date, "--to", d.Date)
	assert.Contains(t, out, "DSP001L8")
	assert.Contains(t, out, "checked by")
	_, errOut, code = p.run("report", "disposals", "--from", "last week")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "YYYY-MM-DD")

	out = p.must("audit", "verify")
	assert.Contains(t, out, "audit chain intact")
}
