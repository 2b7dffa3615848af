package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/tapewarden/tapewarden/daemon/auth"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tapewarden/tapewarden/media"
)

// courierData is a courier's manifest page.
type courierData struct {
	M        media.Manifest
	Phase    string // pickup or delivery
	Expected []expectedItem
	Scanned  []string
	Missing  []string
	Problems []media.CourierScan
	Last     *media.CourierScan
	ScanID   string
	Reasons  map[string]string
	Recorded string
}

type expectedItem struct {
	Barcode string
	Scanned bool
}

// courierHome lists the courier's manifests; with one, it opens it.
func (c *console) courierHome(q *request) error {
	mine, err := c.courierManifests(q)
	if err != nil {
		return err
	}
	if len(mine) == 1 && q.r.URL.Query().Get("list") == "" {
		return seeOther(q, "/c/m/"+url.PathEscape(mine[0].ID))
	}
	c.render(q, http.StatusOK, "courier_home.html", page{Title: q.p.T("courier.title"), Data: mine})
	return nil
}

// courierManifests are the open and in-transit manifests assigned to the
// signed-in courier.
func (c *console) courierManifests(q *request) ([]media.Manifest, error) {
	var mine []media.Manifest
	for _, state := range []media.ManifestState{media.ManifestOpen, media.ManifestInTransit} {
		list, err := c.cat.Manifests(q.r.Context(), media.ManifestFilter{State: state, Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, m := range list {
			if isMine(q.actor, m) {
				mine = append(mine, m)
			}
		}
	}
	return mine, nil
}

// isMine reports whether a manifest is the courier's: the one its
// one-time code was issued for, or, for a courier signed in otherwise,
// one assigned to it by name.
func isMine(courier media.Actor, m media.Manifest) bool {
	if bound, ok := auth.CourierManifest(courier); ok {
		return m.ID == bound
	}
	return m.Courier != "" && m.Courier == courier.Name
}

// myManifest is the manifest the path names, if it is assigned to the
// signed-in courier and still to be handed over; any other is not found.
func (c *console) myManifest(q *request) (media.Manifest, string, error) {
	id := q.r.PathValue("id")
	m, err := c.cat.Manifest(q.r.Context(), id)
	if err != nil || !isMine(q.actor, m) {
		return media.Manifest{}, "", fmt.Errorf("%w: %s", errNotFound, q.p.T("courier.not_yours", id))
	}
	switch m.State {
	case media.ManifestOpen:
		return m, media.PhasePickup, nil
	case media.ManifestInTransit:
		return m, media.PhaseDelivery, nil
	}
	return m, "", nil
}

// expected are the barcodes a hand-over of m in a phase should have.
func expected(m media.Manifest, phase string) []string {
	var out []string
	for _, it := range m.Items {
		if (phase == "pickup" && it.Status == "listed") || (phase == "delivery" && it.Status == "picked-up") {
			out = append(out, it.Barcode)
		}
	}
	return out
}

// courierManifest is the scanning page: Expected, Scanned and Problems
// with counts, one input for the scanner, and the confirmation.
func (c *console) courierManifest(q *request) error {
	m, phase, err := c.myManifest(q)
	if err != nil {
		return err
	}
	return c.renderCourier(q, http.StatusOK, m, phase, nil, "")
}

// sheet is the hand-over's scans so far, from the catalog.
func (c *console) sheet(q *request, m media.Manifest, phase string) (scanSheet, error) {
	list, err := c.cat.CourierScans(q.r.Context(), m.ID, phase)
	return scanSheet(list), err
}

func (c *console) renderCourier(q *request, status int, m media.Manifest, phase string, reasons map[string]string, problem string) error {
	data := courierData{M: m, Phase: phase, ScanID: newScanID(), Reasons: reasons, Recorded: q.r.URL.Query().Get("recorded")}
	if phase != "" {
		sh, err := c.sheet(q, m, phase)
		if err != nil {
			return err
		}
		data.Scanned, data.Problems = sh.matched(), sh.problems()
		for _, b := range expected(m, phase) {
			done := slices.Contains(data.Scanned, b)
			data.Expected = append(data.Expected, expectedItem{Barcode: b, Scanned: done})
			if !done {
				data.Missing = append(data.Missing, b)
			}
		}
		if last := q.r.URL.Query().Get("last"); last != "" {
			for i := range sh {
				if sh[i].ScanID == last {
					data.Last = &sh[i]
				}
			}
		}
	}
	c.render(q, status, "courier.html", page{Title: m.ID, Data: data, Error: problem})
	return nil
}

// scanIDs are what the page gives each scan: the form sent twice (a
// double tap, a retry on a bad network) is one scan.
var scanIDs = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

func newScanID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// courierScan records one scan in the catalog and shows at once what it
// was.
func (c *console) courierScan(q *request) error {
	m, phase, err := c.myManifest(q)
	if err != nil {
		return err
	}
	if phase == "" {
		return fmt.Errorf("%w: %s", errInput, q.p.T("courier.finished", m.ID))
	}
	id := q.r.PostForm.Get("scan_id")
	if !scanIDs.MatchString(id) {
		return fmt.Errorf("%w: %s", errInput, q.p.T("courier.no_scan_id"))
	}
	raw := strings.TrimSpace(q.r.PostForm.Get("barcode"))
	if raw == "" {
		return seeOther(q, "/c/m/"+url.PathEscape(m.ID))
	}
	_, err = c.cat.RecordCourierScan(q.r.Context(), q.actor, media.NewCourierScan{Manifest: m.ID, Phase: phase, ScanID: id, Barcode: raw, Courier: auth.CourierName(q.actor)})
	if errors.Is(err, media.ErrTooManyScans) {
		return fmt.Errorf("%w: %s", errInput, q.p.T("courier.too_many_scans", strconv.Itoa(media.MaxScansPerHandover), m.ID))
	}
	if err != nil {
		return err
	}
	return seeOther(q, "/c/m/"+url.PathEscape(m.ID)+"?last="+id)
}

// courierConfirm records the hand-over: the scanned cartridges, and a
// reason for each one missing (the same rule as 'manifest pickup
// --accept-discrepancies'). Barcodes not on the manifest stay behind.
func (c *console) courierConfirm(q *request) error {
	m, phase, err := c.myManifest(q)
	if err != nil {
		return err
	}
	if phase == "" {
		return fmt.Errorf("%w: %s", errInput, q.p.T("courier.finished", m.ID))
	}
	sh, err := c.sheet(q, m, phase)
	if err != nil {
		return err
	}
	scanned := sh.matched()
	reasons := map[string]string{}
	var unexplained []string
	for _, b := range expected(m, phase) {
		if slices.Contains(scanned, b) {
			continue
		}
		why := strings.TrimSpace(q.r.PostForm.Get("reason-" + b))
		if why == "" {
			unexplained = append(unexplained, b)
			continue
		}
		reasons[b] = why
	}
	if len(unexplained) > 0 {
		return c.renderCourier(q, http.StatusBadRequest, m, phase, reasons, q.p.T("courier.reason_needed", strings.Join(unexplained, " ")))
	}
	if len(scanned) == 0 {
		return c.renderCourier(q, http.StatusBadRequest, m, phase, reasons, q.p.T("courier.nothing_scanned"))
	}
	h := media.Handover{Courier: auth.CourierName(q.actor), Barcodes: scanned, AcceptDiscrepancies: len(reasons) > 0, Reasons: reasons}
	if phase == media.PhasePickup {
		// The courier stays signed in for the delivery.
		if _, err = c.eng.Pickup(q.r.Context(), q.actor, m.ID, h); err != nil {
			return c.renderCourier(q, statusOf(err), m, phase, reasons, err.Error())
		}
		return seeOther(q, "/c/m/"+url.PathEscape(m.ID)+"?recorded="+phase)
	}
	h.Courier = ""
	delivered, err := c.cat.Deliver(q.r.Context(), q.actor, m.ID, h)
	if err != nil {
		return c.renderCourier(q, statusOf(err), m, phase, reasons, err.Error())
	}
	return c.signedOut(q, delivered)
}

// signedOut ends the courier's trip in the browser: the catalog ended
// every session signed in for the delivered manifest with the delivery,
// this one is ended again here (whatever keeps the sessions), its cookie
// is forgotten, and the page says so. It is drawn in answer to the
// confirmation itself: no page after it would still know the courier.
func (c *console) signedOut(q *request, m media.Manifest) error {
	if ck, err := q.r.Cookie(SessionCookie); err == nil && c.accounts != nil {
		if err := c.accounts.Logout(q.r.Context(), ck.Value); err != nil {
			c.log.Warn("web console could not end a courier's session after the delivery", "courier", q.actor.Name, "manifest", m.ID, "err", err)
		}
	}
	clearSession(q.w)
	c.log.Info("courier signed out: delivery recorded", "courier", q.actor.Name, "manifest", m.ID)
	q.actor, q.signedIn = media.Actor{}, false
	c.render(q, http.StatusOK, "courier_done.html", page{Title: q.p.T("courier.done_title"), Path: "/c/login", Notice: q.p.T("courier.done_delivered", m.ID), Data: m})
	return nil
}
