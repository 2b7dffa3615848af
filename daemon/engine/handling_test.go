package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// TestPromptsCarryTheHandlingClass: the prompt to take a class-2
// cartridge out for the courier gives its class to the prompt command
// (TAPEWARDEN_PROMPT_CLASS and the text a person reads) and to the log.
func TestPromptsCarryTheHandlingClass(t *testing.T) {
	var hook string
	h := startDaemon(t, func(cfg *config.Config, _ *Options) {
		cfg.Demo = true // yesterday's registry and family register on DLY001L8
		for i := range cfg.Systems {
			if cfg.Systems[i].Name == "juki" {
				cfg.Systems[i].Confidentiality = 2
			}
		}
		hook = filepath.Join(cfg.StateDir, "hook.out")
		cfg.Prompts.Command = []string{"sh", "-c", `printf '%s|%s|%s|%s\n' "$TAPEWARDEN_PROMPT_CLASS" "$TAPEWARDEN_PROMPT_CONFIDENTIALITY" "$TAPEWARDEN_PROMPT_INTEGRITY" "$TAPEWARDEN_PROMPT_TEXT" >> ` + filepath.Join(cfg.StateDir, "hook.out")}
	})
	ctx := context.Background()
	m, err := h.d.cat.CreateManifest(ctx, tester, media.NewManifest{Destination: "hill-annex", Barcodes: []string{"DLY001L8"}})
	require.NoError(t, err)
	h.d.prepareManifests(ctx)

	var line string
	require.Eventually(t, func() bool {
		data, _ := os.ReadFile(hook)
		line = strings.TrimSpace(string(data))
		return line != ""
	}, 10*time.Second, 20*time.Millisecond, "the prompt command ran")
	fields := strings.SplitN(line, "|", 4)
	require.Len(t, fields, 4, line)
	assert.Equal(t, "CLASS 2 (confidentiality 2, integrity 2)", fields[0])
	assert.Equal(t, "2", fields[1])
	assert.Equal(t, "2", fields[2])
	assert.Regexp(t, `^\[prompt \d+\] \[CLASS 2 \(confidentiality 2, integrity 2\)\] Take DLY001L8 out of .* \(manifest `+m.ID+`\)`, fields[3])
	assert.Contains(t, h.log.String(), `class="CLASS 2 (confidentiality 2, integrity 2)"`)
}
