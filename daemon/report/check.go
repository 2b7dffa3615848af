package report

import (
	"context"
	"time"

	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/facts"
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
		r.Notes = append(r.Notes, "checked without the catalog: the rules on cleaning cartridges, restore drills and where class-2 media are kept and carried need the daemon's facts")
	}
	return r
}

// PolicyReport checks cfg (the daemon's own configuration when nil) with
// the catalog's facts, at the daemon's time.
func (pg *Pages) PolicyReport(ctx context.Context, name string, cfg *rotation.Config) (PolicyReport, error) {
	if cfg == nil {
		rc := pg.cfg.PolicyConfig()
		cfg = &rc
		if name == "" {
			name = pg.cfg.File
		}
	}
	facts, err := facts.Policy(ctx, pg.cfg, pg.cat)
	if err != nil {
		return PolicyReport{}, err
	}
	return CheckPolicy(name, *cfg, facts, pg.now().In(pg.cfg.Location)), nil
}
