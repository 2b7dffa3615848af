package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/i18n"
)

// CourierPlan is one day's offsite plan for every pool with an offsite
// policy: what leaves the machine room, what comes back, and why.
type CourierPlan struct {
	// Language is the language of the texts for people (en, ja): the
	// policies, the note, the places in words and the reasons. Codes,
	// barcodes and commands stay as they are.
	Language string `json:"language"`
	Date     string `json:"date"`
	// Weekday is the day's English abbreviation (Sat) in every language;
	// a printout writes the day from Departs.
	Weekday string `json:"weekday"`
	// Departs is when the courier is taken to leave.
	Departs time.Time `json:"departs"`
	// Site is the machine room.
	Site string `json:"site"`
	// RunsUntil: the planned runs up to then were taken into account.
	RunsUntil time.Time `json:"runs_until"`
	// Note says what a plan for a later day cannot know.
	Note  string     `json:"note,omitempty"`
	Pools []PoolPlan `json:"pools"`
}

// PoolPlan is one pool's part of a CourierPlan.
type PoolPlan struct {
	Pool string `json:"pool"`
	// Policy describes the pool's offsite policy.
	Policy   string                 `json:"policy"`
	Status   rotation.OffsiteStatus `json:"status"`
	Sends    []CourierMove          `json:"sends"`
	Recalls  []CourierMove          `json:"recalls"`
	Problems []rotation.Reason      `json:"problems"`
}

// CourierMove is a cartridge to send or recall, with where the catalog
// has it and the manifest it is already on, if any.
type CourierMove struct {
	rotation.Move
	// Location is the catalog's location in its canonical form
	// (honcho/lib0/slot/4).
	Location            string              `json:"location"`
	Manifest            string              `json:"manifest,omitempty"`
	ManifestState       media.ManifestState `json:"manifest_state,omitempty"`
	ManifestDestination string              `json:"manifest_destination,omitempty"`
	// Handling is the cartridge's handling class.
	media.Handling
}

// Moves returns every send and recall of the plan, pool by pool.
func (p CourierPlan) Moves() []CourierMove {
	var out []CourierMove
	for _, pp := range p.Pools {
		out = append(out, pp.Sends...)
		out = append(out, pp.Recalls...)
	}
	return out
}

// offsitePolicy describes a pool's offsite policy in a few words, in
// English.
func offsitePolicy(p rotation.Pool) string {
	return offsitePolicyIn(i18n.NewPrinter(i18n.English, nil), p)
}

// offsitePolicyIn describes a pool's offsite policy in the printer's
// language.
func offsitePolicyIn(pr *i18n.Printer, p rotation.Pool) string {
	o := p.Offsite
	s := pr.T("plan.policy.keep", strconv.Itoa(o.Keep), o.Site)
	if o.RemoteSite != "" && o.RemoteSite != o.Site {
		s += pr.T("plan.policy.remote", o.RemoteSite)
	}
	return s + pr.T("plan.policy.transit", days(pr, o.TransitDays), days(pr, leadDays(o)))
}

// activeManifests maps each cartridge on an open or in-transit manifest to
// that manifest.
func (pg *Pages) activeManifests(ctx context.Context) (map[string]media.Manifest, error) {
	list, err := pg.cat.Manifests(ctx, media.ManifestFilter{Active: true})
	if err != nil {
		return nil, err
	}
	out := map[string]media.Manifest{}
	for _, m := range list {
		for _, it := range m.Items {
			out[it.Barcode] = m
		}
	}
	return out, nil
}

// CourierPlan makes the offsite plan for the day and time given as the
// API takes them (see planTime): rotation.Plan for every pool with an
// offsite policy, on the catalog's view, with the runs the job schedules
// plan over the longest lead time and a margin. Its texts for people are
// in language l.
func (pg *Pages) CourierPlan(ctx context.Context, l i18n.Lang, date, at string) (CourierPlan, error) {
	t, err := pg.planTime(date, at)
	if err != nil {
		return CourierPlan{}, err
	}
	view, err := pg.view(ctx)
	if err != nil {
		return CourierPlan{}, err
	}
	return pg.courierPlan(ctx, pg.printer(l), view, t)
}

func (pg *Pages) courierPlan(ctx context.Context, p *i18n.Printer, view rotation.View, t time.Time) (CourierPlan, error) {
	until := pg.planRunsUntil(t)
	out := CourierPlan{Language: string(p.Lang()), Date: t.Format(time.DateOnly), Weekday: t.Weekday().String()[:3], Departs: t, Site: pg.machineRoom(),
		RunsUntil: until, Note: pg.projectionNote(p, t), Pools: []PoolPlan{}}
	onManifest, err := pg.activeManifests(ctx)
	if err != nil {
		return out, err
	}
	where, words := map[string]string{}, map[string]string{}
	for _, c := range view.Cartridges {
		where[c.Barcode] = canonical(c.Location)
		words[c.Barcode] = p.Where(c.Location)
	}
	runs := pg.plannedRuns(t, until)
	annotate := func(ms []rotation.Move) []CourierMove {
		list := make([]CourierMove, 0, len(ms))
		for _, m := range ms {
			m.Reason = say(p, m.Reason)
			if w, ok := words[m.Barcode]; ok {
				m.From = w
			}
			cm := CourierMove{Move: m, Location: where[m.Barcode]}
			if man, ok := onManifest[m.Barcode]; ok {
				cm.Manifest, cm.ManifestState, cm.ManifestDestination = man.ID, man.State, man.Destination
			}
			list = append(list, cm)
		}
		return list
	}
	for _, pool := range pg.cfg.RotationPools() {
		if pool.Offsite == nil || pool.Scheme == rotation.SchemeScratch {
			continue
		}
		plan, err := rotation.Plan(pool, view, runs, t)
		if err != nil {
			return out, fmt.Errorf("offsite plan of pool %s: %w", pool.Name, err)
		}
		pp := PoolPlan{Pool: pool.Name, Policy: offsitePolicyIn(p, pool), Status: plan.Status, Sends: annotate(plan.Sends),
			Recalls: annotate(plan.Recalls), Problems: sayEach(p, plan.Problems)}
		if pp.Problems == nil {
			pp.Problems = []rotation.Reason{}
		}
		out.Pools = append(out.Pools, pp)
	}
	return out, pg.classifyPlan(ctx, &out)
}

// canonical writes a location of rotation's view in the catalog's
// canonical form (honcho/lib0/slot/4, transit/M-20250405-001).
func canonical(l rotation.Location) string {
	return media.Location{Kind: media.PlaceKind(l.Kind), Site: l.Site, Place: l.Place, Slot: l.Slot}.String()
}

// FromPlanRequest is the body of POST /v1/manifests/from-plan.
type FromPlanRequest struct {
	Date string `json:"date,omitempty"` // YYYY-MM-DD, today or tomorrow; default today
	At   string `json:"at,omitempty"`   // HH:MM; default now today, 09:00 another day
	Note string `json:"note,omitempty"` // added to each manifest's note
}

// FromPlanResult is what POST /v1/manifests/from-plan did.
type FromPlanResult struct {
	Date string `json:"date"`
	// Created are the new manifests, one per origin and destination.
	Created []media.Manifest `json:"created"`
	// Skipped are the plan's cartridges already on a manifest.
	Skipped []SkippedMove `json:"skipped"`
	// Reminders say what must happen before the pick-up (a cartridge
	// still in a library or drive).
	Reminders []string `json:"reminders"`
}

// SkippedMove is a cartridge of the plan left out of the new manifests.
type SkippedMove struct {
	Pool     string `json:"pool"`
	Barcode  string `json:"barcode"`
	Manifest string `json:"manifest"`
	Reason   string `json:"reason"`
}

// ManifestMaker is what making manifests from the plan needs of the
// catalog; tests wrap it to fail an operation.
type ManifestMaker interface {
	CreateManifest(ctx context.Context, actor media.Actor, n media.NewManifest) (media.Manifest, error)
	CancelManifest(ctx context.Context, actor media.Actor, id, reason string) (media.Manifest, error)
}

// ManifestsFromPlan turns the day's offsite plan into courier manifests,
// one per origin and destination: sends go from the machine room to their
// destination, recalls come back from where they are to the machine room.
// Cartridges already on an open or in-transit manifest are skipped.
//
// It is all or nothing. Every cartridge is checked first, with the rules
// the catalog applies, and any that cannot travel refuses the whole
// request before anything is created. Should the catalog still refuse a
// manifest (the catalog changed in between), the manifests already
// created for the request are cancelled, with a reason naming the
// failure, and the catalog's error is returned.
func (pg *Pages) ManifestsFromPlan(ctx context.Context, actor media.Actor, req FromPlanRequest) (FromPlanResult, error) {
	mk := pg.manifests
	plan, err := pg.CourierPlan(ctx, i18n.English, req.Date, req.At)
	if err != nil {
		return FromPlanResult{}, err
	}
	res := FromPlanResult{Date: plan.Date, Created: []media.Manifest{}, Skipped: []SkippedMove{}, Reminders: []string{}}
	moves := plan.Moves()
	if len(moves) == 0 {
		return res, conflict("the offsite plan for %s sends and recalls nothing; no manifest was created (see 'tapewarden courier plan --date %s')", plan.Date, plan.Date)
	}
	type route struct{ origin, destination string }
	groups := map[route][]CourierMove{}
	var problems []string
	for _, m := range moves {
		if m.Manifest != "" {
			why := fmt.Sprintf("already on manifest %s (%s) to %s", m.Manifest, m.ManifestState, m.ManifestDestination)
			if m.ManifestDestination != m.To {
				why += fmt.Sprintf(", but the plan sends it to %s: cancel %s if it should go there instead", m.To, m.Manifest)
			}
			res.Skipped = append(res.Skipped, SkippedMove{Pool: m.Pool, Barcode: m.Barcode, Manifest: m.Manifest, Reason: why})
			continue
		}
		c, err := pg.cat.Cartridge(ctx, m.Barcode)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", m.Barcode, err))
			continue
		}
		if why := cannotTravel(c, m.To); why != "" {
			problems = append(problems, why)
			continue
		}
		switch c.Location.Kind {
		case media.InSlot:
			if l := pg.cfg.Library(c.Location.Place); l != nil && l.MailSlots > 0 {
				// The daemon exports it to a mail slot itself, within a
				// minute, and a prompt says which.
				res.Reminders = append(res.Reminders, fmt.Sprintf("%s is in library %s slot %d: the daemon moves it to a mail slot within a minute and a prompt says which ('tapewarden prompt list')",
					c.Barcode, c.Location.Place, c.Location.Slot))
				break
			}
			res.Reminders = append(res.Reminders, fmt.Sprintf("%s is in library %s slot %d: export it to the mail slot before the pick-up ('tapewarden library export %s')",
				c.Barcode, c.Location.Place, c.Location.Slot, c.Barcode))
		case media.InDrive:
			res.Reminders = append(res.Reminders, fmt.Sprintf("%s is in drive %s: unload it before the pick-up", c.Barcode, c.Location.Place))
		}
		r := route{c.Location.Site, m.To}
		groups[r] = append(groups[r], m)
	}
	if len(problems) > 0 {
		return res, conflict("the offsite plan for %s cannot be put on manifests, so none was created: %s", plan.Date, strings.Join(problems, "; "))
	}
	routes := make([]route, 0, len(groups))
	for r := range groups {
		routes = append(routes, r)
	}
	slices.SortFunc(routes, func(a, b route) int {
		return cmp.Or(strings.Compare(a.origin, b.origin), strings.Compare(a.destination, b.destination))
	})
	note := pg.fromPlanNote(plan.Date, strings.TrimSpace(req.Note))
	for _, r := range routes {
		var barcodes []string
		for _, m := range groups[r] {
			barcodes = append(barcodes, m.Barcode)
		}
		slices.Sort(barcodes)
		m, err := mk.CreateManifest(ctx, actor, media.NewManifest{Destination: r.destination, Barcodes: barcodes, Note: note})
		if err != nil {
			err = fmt.Errorf("create the manifest from %s to %s (%s): %w", r.origin, r.destination, strings.Join(barcodes, " "), err)
			return FromPlanResult{Date: plan.Date}, pg.withdraw(ctx, actor, mk, res.Created, err)
		}
		res.Created = append(res.Created, m)
	}
	if err := pg.ClassifyManifests(ctx, res.Created); err != nil {
		pg.log.Error("handling classes of the manifests made from the plan", "err", err)
	}
	return res, nil
}

// withdraw cancels the manifests created for a request that failed with
// cause, and returns cause with what became of them.
func (pg *Pages) withdraw(ctx context.Context, actor media.Actor, mk ManifestMaker, created []media.Manifest, cause error) error {
	if len(created) == 0 {
		return fmt.Errorf("%w; no manifest was created", cause)
	}
	var ids, left []string
	for _, m := range created {
		ids = append(ids, m.ID)
		reason := fmt.Sprintf("withdrawn: made from the offsite plan together with a manifest the catalog refused (%v)", cause)
		if _, err := mk.CancelManifest(context.WithoutCancel(ctx), actor, m.ID, reason); err != nil {
			pg.log.Error("withdraw a manifest made from the plan", "manifest", m.ID, "err", err)
			left = append(left, m.ID)
		}
	}
	if len(left) > 0 {
		return fmt.Errorf("%w; manifests %s could not be withdrawn: cancel them ('tapewarden manifest cancel ID --reason ...')", cause, strings.Join(left, ", "))
	}
	return fmt.Errorf("%w; the manifests created before it (%s) were cancelled, so nothing is left open", cause, strings.Join(ids, ", "))
}

// cannotTravel says why the catalog would refuse to put the cartridge on
// a manifest to dest, or "" when it can travel.
func cannotTravel(c media.Cartridge, dest string) string {
	switch {
	case c.State == media.Lost:
		return fmt.Sprintf("%s is reported lost ('tapewarden media found %s --at SITE/PLACE' when it turns up)", c.Barcode, c.Barcode)
	case c.MissingSince():
		return fmt.Sprintf("%s was not found in library %s at the last inventory: find it and run 'tapewarden library inventory'", c.Barcode, c.Location.Place)
	case c.Location.Kind == media.InTransit:
		return fmt.Sprintf("%s is in transit on manifest %s: deliver that manifest first", c.Barcode, c.Location.Place)
	case c.Location.Site == dest:
		return fmt.Sprintf("%s is already at %s", c.Barcode, dest)
	}
	return ""
}

// fromPlanNote is the note on a manifest made from the offsite plan of
// day (YYYY-MM-DD), in the configured language, with the note the person
// gave (if any) after it.
func (pg *Pages) fromPlanNote(day, given string) string {
	lang, _ := pg.Lang("")
	p := pg.printer(lang)
	when := day
	if lang == i18n.Japanese {
		if t, err := time.ParseInLocation(time.DateOnly, day, pg.cfg.Location); err == nil {
			when = p.Date(t)
		}
	}
	if given == "" {
		return p.T("manifest.from_plan", when)
	}
	return p.T("manifest.from_plan_note", when, given)
}
