package web

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/report"
)

type manifestsData struct {
	Today     string
	Plan      []plannedMove
	PlanError string
	Manifests []media.Manifest
}

// plannedMove is a cartridge today's courier plan sends somewhere.
type plannedMove struct {
	Pool, Barcode, To, Manifest string
}

// manifestsPage lists the manifests in progress and what the courier plan
// would put on new ones.
func (c *console) manifestsPage(q *request) error {
	ctx := q.r.Context()
	data := manifestsData{Today: c.eng.Now().In(c.cfg.Location).Format("2006-01-02")}
	if plan, err := c.report.CourierPlan(ctx, q.p.Lang(), "", ""); err != nil {
		data.PlanError = err.Error()
	} else {
		data.Plan = planMoves(plan)
	}
	list, err := c.cat.Manifests(ctx, media.ManifestFilter{Limit: 50})
	if err != nil {
		return err
	}
	data.Manifests = list
	c.render(q, http.StatusOK, "manifests.html", page{Title: q.p.T("man.title"), Data: data, Notice: c.manifestNotice(q)})
	return nil
}

// manifestNotice words what the last POST did from the query it
// redirected to: the manifests it made, or the one it gave a courier.
// It names only manifests the catalog has, with their courier from the
// catalog, so a link cannot put words of its own on the page.
func (c *console) manifestNotice(q *request) string {
	v := q.r.URL.Query()
	if id := v.Get("assigned"); id != "" {
		if m, err := c.cat.Manifest(q.r.Context(), id); err == nil && m.Courier != "" {
			return q.p.T("notice.assigned", m.ID, m.Courier)
		}
		return ""
	}
	if !v.Has("made") {
		return ""
	}
	var ids []string
	for _, id := range strings.Fields(v.Get("made")) {
		if m, err := c.cat.Manifest(q.r.Context(), id); err == nil {
			ids = append(ids, m.ID)
		}
	}
	if len(ids) == 0 {
		return q.p.T("notice.made_none")
	}
	return q.p.T("notice.made", strings.Join(ids, " "))
}

// planMoves flattens a courier plan into the cartridges it sends.
func planMoves(plan report.CourierPlan) []plannedMove {
	var out []plannedMove
	for _, p := range plan.Pools {
		for _, s := range p.Sends {
			out = append(out, plannedMove{Pool: p.Pool, Barcode: s.Barcode, To: s.To, Manifest: s.Manifest})
		}
		for _, s := range p.Recalls {
			out = append(out, plannedMove{Pool: p.Pool, Barcode: s.Barcode, To: s.To, Manifest: s.Manifest})
		}
	}
	return out
}

// manifestsFromPlan creates the manifests the courier plan asks for.
func (c *console) manifestsFromPlan(q *request) error {
	res, err := c.report.ManifestsFromPlan(q.r.Context(), q.actor, report.FromPlanRequest{
		Date: strings.TrimSpace(q.r.PostForm.Get("date")), Note: strings.TrimSpace(q.r.PostForm.Get("note"))})
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(res.Created))
	for _, m := range res.Created {
		ids = append(ids, m.ID)
	}
	return seeOther(q, "/ops/manifests?made="+url.QueryEscape(strings.Join(ids, " ")))
}

// assignCourier names who carries an open manifest; their sign-in finds it
// by that name.
func (c *console) assignCourier(q *request) error {
	courier := strings.TrimSpace(q.r.PostForm.Get("courier"))
	if courier == "" {
		return fmt.Errorf("%w: %s", errInput, q.p.T("man.courier_needed"))
	}
	m, err := c.cat.AssignCourier(q.r.Context(), q.actor, q.r.PathValue("id"), courier)
	if err != nil {
		return err
	}
	return seeOther(q, "/ops/manifests?assigned="+url.QueryEscape(m.ID)+"#m-"+m.ID)
}

type pickingData struct {
	M    media.Manifest
	QR   template.URL
	Link string
	// CanCode: a sign-in code can be printed (the manifest has a courier
	// and the console can make codes). Code, PIN and Until are set on
	// the one page that shows them, once.
	CanCode   bool
	Code, PIN string
	Until     time.Time
}

// pickingList is the manifest printed for the pick-up: every barcode with
// tick boxes, signature lines, and a QR code of the courier's sign-in page.
func (c *console) pickingList(q *request) error {
	data, err := c.picking(q)
	if err != nil {
		return err
	}
	c.render(q, http.StatusOK, "picking.html", page{Title: q.p.T("pick.title") + " " + data.M.ID, Data: data})
	return nil
}

// pickingListWithCode makes the assigned courier's one-time sign-in code
// and shows the picking list with it printed, and the PIN on the screen
// only (it is told to the courier apart from the paper). Shown once: the
// catalog keeps only their hashes.
func (c *console) pickingListWithCode(q *request) error {
	data, err := c.picking(q)
	if err != nil {
		return err
	}
	if !data.CanCode {
		return fmt.Errorf("%w: %s", errInput, q.p.T("pick.need_courier"))
	}
	data.Code, data.PIN, data.Until, err = c.code(q.r.Context(), q.actor, data.M.ID, data.M.Courier)
	if err != nil {
		return err
	}
	data.CanCode = false
	q.w.Header().Set("Cache-Control", "no-store")
	c.render(q, http.StatusOK, "picking.html", page{Title: q.p.T("pick.title") + " " + data.M.ID, Data: data})
	return nil
}

// picking gathers a manifest's picking list: its cartridges with their
// handling classes and the QR code of the courier's sign-in page.
func (c *console) picking(q *request) (pickingData, error) {
	m, err := c.cat.Manifest(q.r.Context(), q.r.PathValue("id"))
	if err != nil {
		return pickingData{}, err
	}
	one := []media.Manifest{m}
	if err := c.report.ClassifyManifests(q.r.Context(), one); err != nil {
		return pickingData{}, err
	}
	m = one[0]
	link := (&url.URL{Scheme: "https", Host: q.r.Host, Path: "/c/login", RawQuery: "manifest=" + url.QueryEscape(m.ID)}).String()
	png, err := qrcode.Encode(link, qrcode.Medium, 320)
	if err != nil {
		return pickingData{}, fmt.Errorf("draw the QR code of %s: %w", link, err)
	}
	open := m.State == media.ManifestOpen || m.State == media.ManifestInTransit
	return pickingData{M: m, Link: link, QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)),
		CanCode: c.code != nil && m.Courier != "" && open}, nil
}
