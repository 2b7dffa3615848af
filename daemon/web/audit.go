package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/engine"
	"github.com/tapewarden/tapewarden/daemon/report"
)

// auditScan is how many custody events the filters by person and date
// look through (newest first).
const auditScan = 5000

type auditFilter struct {
	Barcode, Manifest, Person, From, To string
}

type auditData struct {
	F         auditFilter
	Events    []media.Event
	More      bool
	Chain     engine.AuditState
	Manifests []media.Manifest
	// Scans are the courier scans of the manifest the filter names, all
	// of them: in progress, and kept with the hand-over they ended with.
	Scans      []media.CourierScan
	Operations []media.Operation
	Drills     []media.Drill
	Policy     report.PolicyReport
	PolicyErr  string
	// Findings are the policy check's findings in the page's language.
	Findings []findingRow
}

// findingRow is a policy check finding told in the page's language.
type findingRow struct {
	Severity, Rule, Section string
	About, Says             string
}

// auditPage is the auditor's page, read only: the custody log with
// filters, the chain's verification and head, manifests and their
// discrepancies (with a manifest named, what its couriers scanned),
// restores and drills, and the policy check.
func (c *console) auditPage(q *request) error {
	ctx := q.r.Context()
	v := q.r.URL.Query()
	f := auditFilter{Barcode: strings.TrimSpace(v.Get("barcode")), Manifest: strings.TrimSpace(v.Get("manifest")),
		Person: strings.TrimSpace(v.Get("person")), From: strings.TrimSpace(v.Get("from")), To: strings.TrimSpace(v.Get("to"))}
	data := auditData{F: f}
	ef := media.EventFilter{Manifest: f.Manifest, Limit: 200}
	if f.Barcode != "" {
		b, err := c.cat.NormalizeBarcode(f.Barcode)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", errInput, q.p.T("err.barcode", f.Barcode), err)
		}
		ef.Barcode = b
	}
	from, hasFrom, err := c.formDate(q, f.From)
	if err != nil {
		return err
	}
	to, hasTo, err := c.formDate(q, f.To)
	if err != nil {
		return err
	}
	filtered := f.Person != "" || hasFrom || hasTo
	if filtered {
		ef.Limit = auditScan
	}
	events, err := c.cat.Events(ctx, ef)
	if err != nil {
		return err
	}
	for _, e := range events {
		switch {
		case f.Person != "" && !strings.EqualFold(e.Actor, f.Person):
			continue
		case hasFrom && e.At.Before(from):
			continue
		case hasTo && !e.At.Before(to.AddDate(0, 0, 1)):
			continue
		}
		if len(data.Events) == 200 {
			data.More = true
			break
		}
		data.Events = append(data.Events, e)
	}

	if data.Chain, err = c.chainState(q); err != nil {
		return err
	}
	ms, err := c.cat.Manifests(ctx, media.ManifestFilter{Limit: 50})
	if err != nil {
		return err
	}
	data.Manifests = ms
	if f.Manifest != "" {
		if data.Scans, err = c.cat.CourierScanHistory(ctx, f.Manifest); err != nil {
			return err
		}
	}
	// Restores and drills only, asked of the catalog: the newest 50
	// operations of all kinds could be catalog copies.
	if data.Operations, err = c.eng.Operations(ctx, media.OperationFilter{Kinds: restoreKinds, Limit: 50}); err != nil {
		return err
	}
	drills, err := c.cat.LastDrills(ctx)
	if err != nil {
		return err
	}
	for _, d := range drills {
		data.Drills = append(data.Drills, d)
	}
	slices.SortFunc(data.Drills, func(a, b media.Drill) int { return strings.Compare(a.System, b.System) })
	if data.Policy, err = c.report.PolicyReport(ctx, "", nil); err != nil {
		data.PolicyErr = err.Error()
	}
	for _, f := range data.Policy.Findings {
		data.Findings = append(data.Findings, findingRow{Severity: string(f.Severity), Rule: f.Rule, Section: f.Section, About: q.p.Reason(f.About), Says: q.p.Reason(f.Says)})
	}
	c.render(q, http.StatusOK, "audit.html", page{Title: q.p.T("audit.title"), Data: data})
	return nil
}

// chainState verifies the audit chain up to its head now: from the head
// the daemon's last verification found intact (read only, incremental),
// or the whole chain when there is none or it was broken.
func (c *console) chainState(q *request) (engine.AuditState, error) {
	last := c.eng.AuditState()
	var res media.VerifyResult
	var err error
	if !last.Checked.IsZero() && last.OK {
		res, err = c.cat.VerifyFrom(q.r.Context(), media.ChainHead{ID: last.HeadID, Hash: last.HeadHash})
	} else {
		res, err = c.cat.Verify(q.r.Context(), "")
	}
	if err != nil {
		return engine.AuditState{}, err
	}
	return engine.AuditState{Checked: c.eng.Now(), OK: res.OK, HeadID: res.HeadID, HeadHash: res.HeadHash, BrokenAt: res.BrokenAt, Problem: res.Problem}, nil
}
