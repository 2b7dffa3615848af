package rotation

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Write is one projected run: the cartridge it writes, or the problem that
// stops it.
type Write struct {
	Time        time.Time `json:"time"`
	Job         string    `json:"job"`
	Pool        string    `json:"pool"`
	Barcode     string    `json:"barcode,omitempty"`
	Generation  string    `json:"generation"`
	Level       Level     `json:"level"`
	Append      bool      `json:"append,omitempty"`
	FromScratch string    `json:"from_scratch,omitempty"`
	Overwrites  []string  `json:"overwrites,omitempty"`
	// Problem is set when no cartridge can be written; Barcode is empty.
	Problem  *Reason  `json:"problem,omitempty"`
	Warnings []Reason `json:"warnings,omitempty"`
}

// Transfer is a planned move with its departure and expected arrival.
type Transfer struct {
	Move
	Departs time.Time `json:"departs"`
	Arrives time.Time `json:"arrives"`
}

// Arrival is a cartridge delivered at a site.
type Arrival struct {
	Pool    string    `json:"pool"`
	Barcode string    `json:"barcode"`
	Site    string    `json:"site"`
	Time    time.Time `json:"time"`
}

// Kept lists the cartridges of a pool holding protected generations.
type Kept struct {
	Pool     string   `json:"pool"`
	Barcodes []string `json:"barcodes"`
}

// Problem is a pool's problem on a day.
type Problem struct {
	Pool   string `json:"pool"`
	Reason Reason `json:"reason"`
}

// Day is one day of a Schedule. Its lists are in the order things happen:
// arrivals, the courier's sends and recalls, the runs; then what is
// protected at the end of the day.
type Day struct {
	Date      string     `json:"date"`
	Weekday   string     `json:"weekday"`
	Arrivals  []Arrival  `json:"arrivals,omitempty"`
	Sends     []Transfer `json:"sends,omitempty"`
	Recalls   []Transfer `json:"recalls,omitempty"`
	Writes    []Write    `json:"writes,omitempty"`
	Protected []Kept     `json:"protected"`
	Problems  []Problem  `json:"problems,omitempty"`
}

// PoolSummary describes a pool at the head of a schedule.
type PoolSummary struct {
	Name    string `json:"name"`
	Scheme  string `json:"scheme"`
	Offsite string `json:"offsite,omitempty"`
}

// Row is one cartridge of the generation table.
type Row struct {
	Pool        string   `json:"pool"`
	Barcode     string   `json:"barcode"`
	State       State    `json:"state"`
	Location    string   `json:"location"`
	Protected   bool     `json:"protected"`
	Generations []string `json:"generations,omitempty"`
}

// Schedule is the projected tape schedule: day by day, then the
// generation table at its end.
type Schedule struct {
	From  string        `json:"from"`
	Days  int           `json:"days"`
	Zone  string        `json:"zone"`
	Pools []PoolSummary `json:"pools"`
	// Calendar holds one entry per day.
	Calendar []Day `json:"calendar"`
	// Generations is the generation table after the last day.
	Generations []Row `json:"generations"`
}

// Calendar projects the plan from from for days days. runs are the
// planned runs (from the jobs' schedules); runs before from are ignored.
// Each day the courier leaves at from's time of day: deliveries due by then
// arrive, each pool's offsite Plan is carried out (arriving TransitDays
// later; cartridges already in transit without a due time arrive at the end
// of the first day), then the runs write the cartridges NextCartridge
// chooses. The projection assumes every run succeeds and every courier is
// on time. Dates are taken in from's location.
func Calendar(pools []Pool, view View, runs []Run, from time.Time, days int) (Schedule, error) {
	if days < 1 {
		return Schedule{}, fmt.Errorf("calendar: %d days: project at least one", days)
	}
	byName := map[string]Pool{}
	var errs []error
	for _, p := range pools {
		if err := p.Validate(); err != nil {
			errs = append(errs, err)
		}
		byName[p.Name] = p
	}
	for _, r := range runs {
		if p, ok := byName[r.Pool]; !ok {
			errs = append(errs, fmt.Errorf("run of job %q: pool %q is not among the pools", r.Job, r.Pool))
		} else if p.Scheme == SchemeScratch {
			errs = append(errs, fmt.Errorf("run of job %q: pool %q is a scratch pool", r.Job, r.Pool))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Schedule{}, fmt.Errorf("calendar: %w", err)
	}
	// Every pool is valid and no run writes a scratch pool: the days below
	// use Plan's and NextCartridge's bodies without validating again.
	sorted := slices.Clone(pools)
	slices.SortFunc(sorted, func(a, b Pool) int { return strings.Compare(a.Name, b.Name) })
	runs = slices.Clone(runs)
	sortRuns(runs)

	state := View{Sites: view.Sites}
	for _, c := range view.Cartridges {
		c.Generations = slices.Clone(c.Generations)
		state.Cartridges = append(state.Cartridges, c)
	}
	slices.SortFunc(state.Cartridges, func(a, b Cartridge) int { return strings.Compare(a.Barcode, b.Barcode) })
	mr := state.machineRoom()
	first := dayStart(from)

	s := Schedule{From: date(from), Days: days, Zone: from.Format("MST -07:00")}
	for _, p := range sorted {
		ps := PoolSummary{Name: p.Name, Scheme: p.describe()}
		if o := p.Offsite; o != nil {
			ps.Offsite = fmt.Sprintf("keep %d at %s", o.Keep, o.Site)
			if dest := remoteDestination(p, state); dest != "" && dest != o.Site {
				ps.Offsite += ", one at " + dest
			}
			ps.Offsite += fmt.Sprintf(", transit %s, lead %s", Plural(o.TransitDays, "day"), Plural(o.lead(), "day"))
		}
		s.Pools = append(s.Pools, ps)
	}

	for i := range state.Cartridges {
		if l := &state.Cartridges[i].Location; l.Kind == PlaceTransit && l.Due.IsZero() {
			l.Due = first.AddDate(0, 0, 1)
		}
	}
	for d := range days {
		start := first.AddDate(0, 0, d)
		end := start.AddDate(0, 0, 1)
		day := Day{Date: date(start), Weekday: start.Weekday().String()[:3]}
		deliver := func(t time.Time, inclusive bool) {
			for i := range state.Cartridges {
				c := &state.Cartridges[i]
				if l := c.Location; l.Kind == PlaceTransit && (l.Due.Before(t) || inclusive && l.Due.Equal(t)) {
					c.Location = Location{Kind: PlaceStorage, Site: l.To}
					day.Arrivals = append(day.Arrivals, Arrival{Pool: c.Pool, Barcode: c.Barcode, Site: l.To, Time: l.Due})
				}
			}
		}
		// The courier leaves at from's clock time, also across a change
		// of daylight saving time.
		courier := time.Date(start.Year(), start.Month(), start.Day(), from.Hour(), from.Minute(), from.Second(), from.Nanosecond(), from.Location())
		planned := false
		doPlan := func() {
			planned = true
			deliver(courier, true)
			for _, p := range sorted {
				if p.Offsite == nil || p.Scheme == SchemeScratch {
					continue
				}
				plan := offsitePlan(p, state, runs, courier)
				arrives := courier.AddDate(0, 0, p.Offsite.TransitDays)
				move := func(m Move, to string) Transfer {
					i := slices.IndexFunc(state.Cartridges, func(c Cartridge) bool { return c.Barcode == m.Barcode })
					state.Cartridges[i].Location = Location{Kind: PlaceTransit, To: to, Due: arrives}
					return Transfer{Move: m, Departs: courier, Arrives: arrives}
				}
				for _, m := range plan.Sends {
					day.Sends = append(day.Sends, move(m, m.To))
				}
				for _, m := range plan.Recalls {
					day.Recalls = append(day.Recalls, move(m, mr))
				}
				for _, r := range plan.Problems {
					day.Problems = append(day.Problems, Problem{p.Name, r})
				}
			}
		}
		for _, r := range runs {
			if r.Time.Before(start) || !r.Time.Before(end) || r.Time.Before(from) {
				continue
			}
			if !planned && !r.Time.Before(courier) {
				doPlan()
			}
			deliver(r.Time, true)
			p := byName[r.Pool]
			w := Write{Time: r.Time, Job: r.Job, Pool: r.Pool}
			ch, err := choose(p, state, r.Time, false)
			if err != nil {
				var nc *NoCartridgeError
				if !errors.As(err, &nc) {
					return Schedule{}, fmt.Errorf("calendar: %w", err)
				}
				w.Problem = &nc.Reasons[0]
				w.Warnings = nc.Reasons[1:]
				if pr, err := p.period(r.Time); err == nil {
					w.Generation, w.Level = pr.Key, pr.Level
				}
				day.Writes = append(day.Writes, w)
				continue
			}
			w.Barcode, w.Generation, w.Level = ch.Barcode, ch.Period.Key, ch.Period.Level
			w.Append, w.FromScratch, w.Overwrites, w.Warnings = ch.Append, ch.FromScratch, ch.Overwrites, ch.Warnings
			state.write(p, ch, r.Time, StatusGood)
			day.Writes = append(day.Writes, w)
		}
		if !planned {
			doPlan()
		}
		deliver(end, false)
		for _, p := range sorted {
			if p.Scheme != SchemeScratch {
				day.Protected = append(day.Protected, Kept{Pool: p.Name, Barcodes: retain(p, state.poolCartridges(p.Name), false).Protected})
			}
		}
		slices.SortStableFunc(day.Arrivals, func(a, b Arrival) int {
			if c := a.Time.Compare(b.Time); c != 0 {
				return c
			}
			return strings.Compare(a.Barcode, b.Barcode)
		})
		s.Calendar = append(s.Calendar, day)
	}

	for _, p := range sorted {
		if p.Scheme == SchemeScratch {
			continue
		}
		own := state.poolCartridges(p.Name)
		prot := retain(p, own, false).protectedSet()
		for _, c := range own {
			row := Row{Pool: p.Name, Barcode: c.Barcode, State: c.State, Location: c.Location.String(), Protected: prot[c.Barcode]}
			gens := slices.Clone(c.Generations)
			slices.SortFunc(gens, func(a, b Generation) int { return b.Time.Compare(a.Time) })
			for _, g := range gens {
				row.Generations = append(row.Generations, p.generationID(g)+" "+string(g.Status))
			}
			s.Generations = append(s.Generations, row)
		}
	}
	return s, nil
}

// Text renders the schedule for printing: a header, one block per day and
// the generation table. The output depends only on the schedule.
func (s Schedule) Text() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Tape schedule: %s from %s (%s)\n", Plural(s.Days, "day"), s.From, s.Zone)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, p := range s.Pools {
		fmt.Fprintf(tw, "  pool %s\t%s\t%s\n", p.Name, p.Scheme, p.Offsite)
	}
	_ = tw.Flush() // into a bytes.Buffer, which cannot fail
	for _, d := range s.Calendar {
		fmt.Fprintf(&b, "\n%s %s\n", d.Date, d.Weekday)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, a := range d.Arrivals {
			fmt.Fprintf(tw, "  arrive\t%s\t%s\t%s\tat %s\n", a.Time.Format("15:04"), a.Pool, a.Barcode, a.Site)
		}
		for _, kind := range []struct {
			name string
			ts   []Transfer
		}{{"send", d.Sends}, {"recall", d.Recalls}} {
			for _, t := range kind.ts {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s -> %s, arrives %s\t%s\n", kind.name, t.Departs.Format("15:04"), t.Pool, t.Barcode,
					t.From, t.To, t.Arrives.Format("2006-01-02 15:04"), t.Reason)
			}
		}
		for _, w := range d.Writes {
			if w.Problem != nil {
				fmt.Fprintf(tw, "  write\t%s\t%s\t-\t%s NOT WRITTEN\t%s\n", w.Time.Format("15:04"), w.Pool, w.Job, w.Problem)
				continue
			}
			what := w.Generation
			switch {
			case w.Append:
				what += " (append)"
			case len(w.Overwrites) > 0:
				what += " (overwrites " + strings.Join(w.Overwrites, ", ") + ")"
			case w.FromScratch != "":
				what += " (new from " + w.FromScratch + ")"
			}
			fmt.Fprintf(tw, "  write\t%s\t%s\t%s\t%s\t%s\n", w.Time.Format("15:04"), w.Pool, w.Barcode, w.Job, what)
			for _, r := range w.Warnings {
				fmt.Fprintf(tw, "  warning\t\t%s\t%s\t\t%s\n", w.Pool, w.Barcode, r)
			}
		}
		for _, k := range d.Protected {
			fmt.Fprintf(tw, "  keep\t\t%s\t%s\n", k.Pool, strings.Join(k.Barcodes, " "))
		}
		for _, p := range d.Problems {
			fmt.Fprintf(tw, "  problem\t\t%s\t\t\t%s\n", p.Pool, p.Reason)
		}
		_ = tw.Flush() // into a bytes.Buffer, which cannot fail
	}
	fmt.Fprintf(&b, "\nGenerations after %s\n", s.lastDate())
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  pool\tbarcode\tstate\tprotected\tlocation\tgenerations\n")
	for _, r := range s.Generations {
		prot := "no"
		if r.Protected {
			prot = "yes"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", r.Pool, r.Barcode, r.State, prot, r.Location, strings.Join(r.Generations, ", "))
	}
	_ = tw.Flush() // into a bytes.Buffer, which cannot fail
	return b.String()
}

func (s Schedule) lastDate() string {
	if len(s.Calendar) == 0 {
		return s.From
	}
	return s.Calendar[len(s.Calendar)-1].Date
}
