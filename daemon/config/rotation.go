package config

import (
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
		rs := rotation.Site{Name: s.Name, Kind: rotation.SiteKind(s.Kind), DistanceKM: s.DistanceKM, Hazards: s.Hazards}
		for _, p := range s.Places {
			rs.Places = append(rs.Places, p.RotationPlace())
		}
		out = append(out, rs)
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
			Availability: s.Availability, Confidentiality: s.Confidentiality, Integrity: s.Integrity, UpdatesPerWeek: s.UpdatesPerWeek, RestorePriority: s.RestorePriority,
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

// belowMinimum tells the validation errors that only say a pool rotates
// fewer cartridges than the standard's minimum: the policy check reports
// those itself, as rotation-min-5 findings.
func belowMinimum(e *ConfigError) bool { return e.rule == rotation.RuleMinCycle }
