package daemon

import (
	"context"
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

// CheckPolicy lints cfg against the standard with rotation.Check and the
// facts given (zero facts: without the catalog).
func CheckPolicy(name string, cfg rotation.Config, facts rotation.Facts, now time.Time) PolicyReport {
	fs := rotation.Check(cfg, facts, now)
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

// policyFacts gathers what the catalog knows that the policy check uses:
// every cartridge (as rotation sees it) and the last restore drill of each
// system, with how it went when it did not pass.
func (d *Daemon) policyFacts(ctx context.Context) (rotation.Facts, error) {
	view, err := d.view(ctx)
	if err != nil {
		return rotation.Facts{}, err
	}
	drills, err := d.cat.LastDrills(ctx)
	if err != nil {
		return rotation.Facts{}, err
	}
	facts := rotation.Facts{Catalog: true, Cartridges: view.Cartridges, DrillsTracked: true,
		Drills: map[string]time.Time{}, DrillProblems: map[string]string{}}
	for system, dr := range drills {
		facts.Drills[system] = dr.At
		if dr.Result != "passed" {
			problem := dr.Result
			if dr.Note != "" {
				problem += " (" + dr.Note + ")"
			}
			facts.DrillProblems[system] = problem
		}
	}
	return facts, nil
}

// PolicyReport checks cfg (the daemon's own configuration when nil) with
// the catalog's facts, at the daemon's time.
func (d *Daemon) PolicyReport(ctx context.Context, name string, cfg *rotation.Config) (PolicyReport, error) {
	if cfg == nil {
		rc := d.cfg.PolicyConfig()
		cfg = &rc
		if name == "" {
			name = d.cfg.File
		}
	}
	facts, err := d.policyFacts(ctx)
	if err != nil {
		return PolicyReport{}, err
	}
	return CheckPolicy(name, *cfg, facts, d.now().In(d.cfg.Location)), nil
}
