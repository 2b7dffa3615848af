package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// `tapewarden check` prints a verdict for every job, exits 1 exactly when
// it found a problem, and refuses an unknown job saying which exist.
func TestCheckThroughTheCLI(t *testing.T) {
	p := startDemo(t, stateDir(t))

	out, errOut, code := p.run("check", "--json")
	var rep struct {
		OK   bool `json:"ok"`
		Jobs []struct {
			Job      string `json:"job"`
			Problems []struct {
				Kind, Message string
			} `json:"problems"`
		} `json:"jobs"`
		General []struct{ Kind, Message string } `json:"general"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep), "%s%s", out, errOut)
	require.NotEmpty(t, rep.Jobs, "every job is checked")
	problems := len(rep.General)
	for _, j := range rep.Jobs {
		problems += len(j.Problems)
	}
	assert.Equal(t, problems == 0, rep.OK)
	if problems == 0 {
		assert.Equal(t, 0, code)
	} else {
		assert.Equal(t, 1, code, "a problem is exit status 1")
	}

	text, _, _ := p.run("check", rep.Jobs[0].Job)
	assert.Contains(t, text, "job "+rep.Jobs[0].Job)
	assert.Contains(t, text, "verdict")
	t.Logf("tapewarden check %s:\n%s", rep.Jobs[0].Job, text)

	_, errOut, code = p.run("check", "no-such-job")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, `no job "no-such-job" is configured`)
}
