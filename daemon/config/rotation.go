package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tapewarden/tapewarden/rotation"
)

// RotationPools maps the configured pools to rotation's type.
func (c *Config) RotationPools() []rotation.Pool {
	out := make([]rotation.Pool, 0, len(c.Pools))
	for _, p := range c.Pools {
		out = append(out, c.RotationPool(p))
	}
	return out
}

// RotationPoolByName returns one pool mapped for rotation.
func (c *Config) RotationPoolByName(name string) (rotation.Pool, bool) {
	for _, p := range c.Pools {
		if p.Name == name {
			return c.RotationPool(p), true
		}
	}
	return rotation.Pool{}, false
}

// RotationSites maps the configured sites to rotation's type.
func (c *Config) RotationSites() []rotation.Site {
	out := make([]rotation.Site, 0, len(c.Sites))
	for _, s := range c.Sites {
		out = append(out, rotation.Site{Name: s.Name, Kind: rotation.SiteKind(s.Kind), DistanceKM: s.DistanceKM, Hazards: s.Hazards})
	}
	return out
}

// PolicyConfig is the configuration as the policy check sees it.
func (c *Config) PolicyConfig() rotation.Config {
	rc := rotation.Config{Sites: c.RotationSites(), Pools: c.RotationPools()}
	for _, d := range c.Drives {
		rc.Drives = append(rc.Drives, rotation.Drive{Name: d.Name, Type: d.MediaType, Cleaning: d.Cleaning})
	}
	for _, s := range c.Systems {
		rc.Systems = append(rc.Systems, rotation.System{Name: s.Name, Manager: s.Manager, Importance: s.Importance,
			Availability: s.Availability, UpdatesPerWeek: s.UpdatesPerWeek, RestorePriority: s.RestorePriority,
			VendorContact: s.VendorContact, RestoreProcedure: s.RestoreProcedure})
	}
	for _, j := range c.Jobs {
		rc.Jobs = append(rc.Jobs, rotation.Job{Name: j.Name, System: j.System, Pool: j.Pool})
	}
	return rc
}

// LoadPolicyConfig reads a configuration for the policy check; see
// ParsePolicyConfig.
func LoadPolicyConfig(path string) (*Config, error) { return loadConfig(path, true) }

// ParsePolicyConfig is ParseConfig for the policy check: a rotation
// smaller than the standard's five cartridges without a waiver, which the
// daemon refuses to run, is left for the check to report (rule
// rotation-min-5) instead of failing the load. Every other problem fails
// it as in ParseConfig.
func ParsePolicyConfig(file string, data []byte) (*Config, error) {
	return parseConfig(file, data, true)
}

// belowMinimum returns a test for the validation errors that only say a
// pool rotates fewer cartridges than the standard asks: the messages its
// validation gives without a waiver but not with one.
func (c *Config) belowMinimum() func(*ConfigError) bool {
	only := map[string]bool{}
	lines := func(p rotation.Pool) []string {
		if err := p.Validate(); err != nil {
			return strings.Split(err.Error(), "\n")
		}
		return nil
	}
	for i, p := range c.Pools {
		rp := c.rotationPoolChecked(p)
		if rp.Waiver != nil {
			continue
		}
		without := lines(rp)
		rp.Waiver = &rotation.Waiver{Reason: "policy check"}
		with := lines(rp)
		for _, l := range without {
			if !slices.Contains(with, l) {
				only[fmt.Sprintf("pools[%d]\x00%s", i, l)] = true
			}
		}
	}
	return func(e *ConfigError) bool { return only[e.Field+"\x00"+e.Msg] }
}
