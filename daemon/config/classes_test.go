package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/rotation"
)

func TestHandlingClasses(t *testing.T) {
	cfg, err := DemoConfig(t.TempDir())
	require.NoError(t, err)
	cfg.Systems[1].Confidentiality = 2 // koseki
	c, i := cfg.HandlingClass([]string{"website", "juki", "koseki"})
	assert.Equal(t, 2, c, "koseki's confidentiality class is the highest")
	assert.Equal(t, 2, i, "juki's integrity class is the highest")
	c, i = cfg.HandlingClass([]string{"website"})
	assert.Zero(t, c, "a system that states no class")
	assert.Zero(t, i)
	c, i = cfg.HandlingClass(nil)
	assert.Zero(t, c+i)

	bad := strings.Replace(string(DemoYAML()), "    confidentiality: 2\n    integrity: 2\n", "    confidentiality: 3\n    integrity: -1\n", 1)
	require.NotEqual(t, string(DemoYAML()), bad)
	_, err = ParseConfig("demo.yaml", []byte(bad))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "systems[0].confidentiality: 3 is not a confidentiality class; expected 1 or 2")
	assert.Contains(t, err.Error(), "systems[0].integrity: -1 is not an integrity class; expected 1 or 2")
}

func TestInspectEveryDefaultsToAQuarter(t *testing.T) {
	cfg, err := DemoConfig(t.TempDir())
	require.NoError(t, err)
	for _, s := range cfg.Sites {
		assert.Equal(t, DefaultInspectEvery, s.InspectEvery.D(), s.Name)
	}
	set := strings.Replace(string(DemoYAML()), "  - name: pref-dc\n", "  - name: pref-dc\n    inspect_every: 30d\n", 1)
	require.NotEqual(t, string(DemoYAML()), set)
	cfg, err = ParseConfig("demo.yaml", []byte(set))
	require.NoError(t, err)
	assert.Equal(t, 30*24*3600.0, cfg.Site("pref-dc").InspectEvery.D().Seconds())
}

func TestPlaceProperties(t *testing.T) {
	cfg, err := DemoConfig(t.TempDir())
	require.NoError(t, err)
	sites := cfg.RotationSites()
	require.Equal(t, "honcho", sites[0].Name)
	require.Len(t, sites[0].Places, 2)
	assert.False(t, sites[0].Places[0].Has(rotation.PropLockable), "the machine room's open shelf locks nothing")
	assert.True(t, sites[0].Places[0].Has(rotation.PropAccessControlled))
	assert.True(t, sites[0].Places[1].Has(rotation.PropWaterproof), "the machine room's safe")

	bad := strings.Replace(string(DemoYAML()), "properties: [lockable]}", "properties: [lockable, locked, lockable]}", 1)
	require.NotEqual(t, string(DemoYAML()), bad)
	_, err = ParseConfig("demo.yaml", []byte(bad))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `sites[1].places[1].properties[1]: "locked" is not a property of a storage place; expected any of lockable, fireproof, waterproof, access-controlled`)
	assert.Contains(t, err.Error(), `sites[1].places[1].properties[2]: "lockable" is given twice`)
}
