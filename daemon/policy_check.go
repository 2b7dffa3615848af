package daemon

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/rotation"
)

// PolicyReport is the outcome of a policy check: the configuration linted
// against the backup standard, with the catalog's facts when they were at
// hand.
type PolicyReport struct {
	// Config names the configuration checked.
	Config string `json:"config"`
	// Catalog is true when the catalog's facts (cartridges, restore
	// drills) were used; otherwise the rules needing them were skipped.
	Catalog   bool      `json:"catalog"`
	CheckedAt time.Time `json:"checked_at"`
	Errors    int       `json:"errors"`
	Warnings  int       `json:"warnings"`
	Infos     int       `json:"infos"`
	// Findings are sorted by severity, rule, subject and message.
	Findings []rotation.Finding `json:"findings"`
	// Notes say how the check was made (e.g. why the catalog was not
	// used).
	Notes []string `json:"notes,omitempty"`
}

// Failed reports whether the check found an error-level finding.
func (r PolicyReport) Failed() bool { return r.Errors > 0 }

// PolicyCheckRequest is the body of POST /v1/policy/check: a
// configuration to check with the catalog's facts.
type PolicyCheckRequest struct {
	Config rotation.Config `json:"config"`
	// Name names the configuration in the report (its file).
	Name string `json:"name,omitempty"`
}

// PolicyConfig is the configuration as the policy check sees it.
func (c *Config) PolicyConfig() rotation.Config { return c.rotationConfig() }

// CheckPolicy lints cfg against the standard with rotation.Check and the
// facts given (zero facts: without the catalog). extra findings computed
// by the caller are merged in.
func CheckPolicy(name string, cfg rotation.Config, facts rotation.Facts, now time.Time, extra ...rotation.Finding) PolicyReport {
	fs := append(rotation.Check(cfg, facts, now), extra...)
	sortFindings(fs)
	r := PolicyReport{Config: name, Catalog: facts.Catalog, CheckedAt: now, Findings: fs}
	if r.Findings == nil {
		r.Findings = []rotation.Finding{}
	}
	for _, f := range fs {
		switch f.Severity {
		case rotation.SeverityError:
			r.Errors++
		case rotation.SeverityWarning:
			r.Warnings++
		default:
			r.Infos++
		}
	}
	if !facts.Catalog {
		r.Notes = append(r.Notes, "checked without the catalog: the rules on cleaning cartridges and restore drills need the daemon's facts")
	}
	return r
}

// sortFindings orders findings as rotation.Check does: by severity, rule,
// subject and message.
func sortFindings(fs []rotation.Finding) {
	rank := map[rotation.Severity]int{rotation.SeverityError: 0, rotation.SeverityWarning: 1, rotation.SeverityInfo: 2}
	slices.SortStableFunc(fs, func(a, b rotation.Finding) int {
		return cmp.Or(cmp.Compare(rank[a.Severity], rank[b.Severity]), strings.Compare(a.Rule, b.Rule),
			strings.Compare(a.Subject, b.Subject), strings.Compare(a.Message, b.Message))
	})
}

// PolicyFacts gathers what the catalog knows that the policy check uses:
// every cartridge (as rotation sees it) and the last restore drill of each
// system. A system whose last drill failed gets a finding of its own
// (returned as extra findings for cfg's systems).
func (d *Daemon) PolicyFacts(ctx context.Context, cfg rotation.Config) (rotation.Facts, []rotation.Finding, error) {
	view, err := d.view(ctx)
	if err != nil {
		return rotation.Facts{}, nil, err
	}
	drills, err := d.cat.LastDrills(ctx)
	if err != nil {
		return rotation.Facts{}, nil, err
	}
	facts := rotation.Facts{Catalog: true, Cartridges: view.Cartridges, DrillsTracked: true, Drills: map[string]time.Time{}}
	var extra []rotation.Finding
	for _, s := range cfg.Systems {
		dr, ok := drills[s.Name]
		if !ok {
			continue
		}
		facts.Drills[s.Name] = dr.At
		if dr.Result != "passed" {
			msg := fmt.Sprintf("the last restore drill, on %s, %s", dr.At.In(d.cfg.Location).Format(time.DateOnly), dr.Result)
			if dr.Note != "" {
				msg += " (" + dr.Note + ")"
			}
			extra = append(extra, rotation.Finding{Severity: rotation.SeverityWarning, Rule: "restore-drill", Section: "第2節 3(2)オ(ウ)a(b)",
				Subject: fmt.Sprintf("system %q", s.Name), Message: msg + ": fix what it found and run the drill again"})
		}
	}
	return facts, extra, nil
}

// PolicyReport checks cfg (the daemon's own configuration when nil) with
// the catalog's facts, at the daemon's time.
func (d *Daemon) PolicyReport(ctx context.Context, name string, cfg *rotation.Config) (PolicyReport, error) {
	if cfg == nil {
		rc := d.cfg.rotationConfig()
		cfg = &rc
		if name == "" {
			name = d.cfg.File
		}
	}
	facts, extra, err := d.PolicyFacts(ctx, *cfg)
	if err != nil {
		return PolicyReport{}, err
	}
	return CheckPolicy(name, *cfg, facts, d.now().In(d.cfg.Location), extra...), nil
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
