package web

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

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
	if plan, err := c.report.CourierPlan(ctx, "", ""); err != nil {
		data.PlanError = err.Error()
	} else {
		data.Plan = planMoves(plan)
	}
	list, err := c.cat.Manifests(ctx, media.ManifestFilter{Limit: 50})
	if err != nil {
		return err
	}
	data.Manifests = list
	c.render(q, http.StatusOK, "manifests.html", page{Title: q.p.T("man.title"), Data: data, Notice: q.r.URL.Query().Get("made")})
	return nil
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
	msg := q.p.T("notice.made_none")
	if len(ids) > 0 {
		msg = q.p.T("notice.made", strings.Join(ids, " "))
	}
	return seeOther(q, "/ops/manifests?made="+url.QueryEscape(msg))
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
	return seeOther(q, "/ops/manifests?made="+url.QueryEscape(q.p.T("notice.assigned", m.ID, m.Courier))+"#m-"+m.ID)
}

type pickingData struct {
	M    media.Manifest
	QR   template.URL
	Link string
}

// pickingList is the manifest printed for the pick-up: every barcode with
// tick boxes, signature lines, and a QR code of the courier's sign-in page.
func (c *console) pickingList(q *request) error {
	m, err := c.cat.Manifest(q.r.Context(), q.r.PathValue("id"))
	if err != nil {
		return err
	}
	one := []media.Manifest{m}
	if err := c.report.ClassifyManifests(q.r.Context(), one); err != nil {
		return err
	}
	m = one[0]
	link := (&url.URL{Scheme: "https", Host: q.r.Host, Path: "/c/login", RawQuery: "manifest=" + url.QueryEscape(m.ID)}).String()
	png, err := qrcode.Encode(link, qrcode.Medium, 320)
	if err != nil {
		return fmt.Errorf("draw the QR code of %s: %w", link, err)
	}
	data := pickingData{M: m, Link: link, QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))}
	c.render(q, http.StatusOK, "picking.html", page{Title: q.p.T("pick.title") + " " + m.ID, Data: data})
	return nil
}
