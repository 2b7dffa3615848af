package rotation

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/media/mediatype"
)

// Severity ranks a finding. Errors break the standard; the CLI exits
// non-zero when there is one.
type Severity string

// Severities, most severe first.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

func (s Severity) rank() int {
	switch s {
	case SeverityError:
		return 0
	case SeverityWarning:
		return 1
	}
	return 2
}

// Finding is one result of Check.
type Finding struct {
	Severity Severity `json:"severity"`
	// Rule is a short stable id; Section points into the standard.
	Rule    string `json:"rule"`
	Section string `json:"section"`
	// Subject is what the finding is about, e.g. `pool "daily"`.
	Subject string `json:"subject"`
	// Message says what is wrong and what to do.
	Message string `json:"message"`
	// About and Says are Subject and Message with their keys in the
	// daemon's catalogue of texts (see Reason), so that the daemon can
	// tell a finding in the operator's language; they do not travel in
	// JSON. A finding about the configuration's own errors has no keys.
	About Reason `json:"-"`
	Says  Reason `json:"-"`
}

// String renders the finding on one line: severity, rule, section, subject
// and message.
func (f Finding) String() string {
	return fmt.Sprintf("%s %s (%s) %s: %s", f.Severity, f.Rule, f.Section, f.Subject, f.Message)
}

// The rules Check applies, with the sections of the standard they come
// from.
const (
	ruleConfig          = string(RuleConfig)
	ruleMin5            = string(RuleMinCycle)
	ruleDaily           = "daily-backup"
	ruleNoBackup        = "backup-missing"
	ruleRemote          = "remote-copy"
	ruleHazard          = "offsite-hazard"
	ruleDistance        = "offsite-distance"
	ruleKeepReachable   = "offsite-keep-reachable"
	ruleDrill           = "restore-drill"
	ruleProcedure       = "restore-procedure"
	rulePriority        = "restore-priority"
	ruleInventory       = "system-inventory"
	ruleCleaningPolicy  = "cleaning-policy"
	ruleCleaningOnAsk   = "cleaning-lto-on-request"
	ruleCleaningSupply  = "cleaning-cartridge"
	ruleCleaningSpent   = "cleaning-cartridge-spent"
	ruleEncryption      = "offsite-encryption"
	ruleEscrow          = "encryption-escrow"
	ruleOldRecipients   = "encryption-old-recipients"
	sectionEncryption   = "第1節 セ(ア)a"
	sectionConfig       = "-"
	sectionMin5         = "第2節 3(2)イ(ア)b"
	sectionDaily        = "第2節 3(2)イ(ア)a"
	sectionNoBackup     = "第2節 3(2)イ(イ)a"
	sectionRemote       = "第2節 3(2)ウ, 第1節 チ(ア)"
	sectionHazard       = "第2節 3(2)ウ(イ)a"
	sectionDistance     = "表-30"
	sectionKeep         = "第2節 3(2)ウ"
	sectionDrill        = "第2節 3(2)オ(ウ)a(b)"
	sectionProcedure    = "第2節 3(2)オ(ウ)a(a)"
	sectionPriority     = "第2節 3(2)オ(エ)"
	sectionInventory    = "第2節 3(2)ア(エ)"
	sectionCleaning     = "表-33 7"
	sectionAvailability = "第1節 セ(ア)"
)

// Facts are what the catalog knows that Check uses besides the
// configuration.
type Facts struct {
	// Catalog is true when Cartridges is the catalog's list; otherwise
	// the rules needing it are skipped.
	Catalog    bool        `json:"catalog"`
	Cartridges []Cartridge `json:"cartridges,omitempty"`
	// DrillsTracked is true once restore drills are recorded; Drills holds
	// the last drill per system name.
	DrillsTracked bool                 `json:"drills_tracked"`
	Drills        map[string]time.Time `json:"drills,omitempty"`
	// DrillProblems says, per system name, how its last drill went when it
	// did not pass ("failed (restored into the wrong directory)").
	DrillProblems map[string]string `json:"drill_problems,omitempty"`
	// Manifests are the courier manifests open or in transit, with the
	// cartridges they list.
	Manifests []Manifest `json:"manifests,omitempty"`
	// Encrypted lists the encrypted generations still held on a
	// cartridge, with the fingerprints of the recipients they were
	// encrypted to.
	Encrypted []EncryptedGeneration `json:"encrypted,omitempty"`
}

// EncryptedGeneration is a generation of a pool written with encryption.
type EncryptedGeneration struct {
	Pool       string   `json:"pool"`
	Generation string   `json:"generation"`
	Recipients []string `json:"recipients"`
}

// Check lints the configuration, and the catalog's facts, against the
// backup standard. Every finding has a severity, the rule and section it
// comes from, a subject and a message saying what to do. Findings are
// sorted by severity, rule, subject and message. An invalid configuration
// yields config-invalid errors (and rotation-min-5 for too small a
// rotation) rather than an error.
func Check(cfg Config, facts Facts, now time.Time) []Finding {
	var fs []Finding
	say := func(sev Severity, rule, section string, subject, says Reason) {
		fs = append(fs, Finding{Severity: sev, Rule: rule, Section: section, Subject: subject.Message, Message: says.Message, About: subject, Says: says})
	}
	add := func(sev Severity, rule, section string, subject Reason, key, format string, args ...any) {
		say(sev, rule, section, subject, phrase(key, format, args...))
	}
	for _, is := range cfg.Issues() {
		msg := is.Message
		if is.Field != "" {
			msg = is.Field + ": " + msg
		}
		if is.Rule == RuleMinCycle {
			add(SeverityError, ruleMin5, sectionMin5, Reason{Message: is.Subject}, "", "%s", msg)
		} else {
			add(SeverityError, ruleConfig, sectionConfig, Reason{Message: is.Subject}, "", "%s", msg)
		}
	}
	view := View{Sites: cfg.Sites, Cartridges: facts.Cartridges}
	pools := map[string]Pool{}
	for _, p := range cfg.Pools {
		pools[p.Name] = p
		subj := about("pool", p.Name)
		if p.Waiver != nil && p.Scheme != SchemeScratch && p.Scheme != SchemeRelease {
			if n := p.target(); n < MinCycle {
				if p.Waiver.ApprovedBy != "" {
					add(SeverityWarning, ruleMin5, sectionMin5, subj, "check.waiver.approved", "rotates %d cartridges, fewer than the standard's %d, under a waiver: %q (approved by %s); review the waiver and move to %d cartridges when you can",
						n, MinCycle, p.Waiver.Reason, p.Waiver.ApprovedBy, MinCycle)
				} else {
					add(SeverityWarning, ruleMin5, sectionMin5, subj, "check.waiver", "rotates %d cartridges, fewer than the standard's %d, under a waiver: %q; review the waiver and move to %d cartridges when you can",
						n, MinCycle, p.Waiver.Reason, MinCycle)
				}
			} else {
				add(SeverityInfo, ruleMin5, sectionMin5, subj, "check.waiver.needless", "has a waiver but rotates %d cartridges, which meets the standard: remove the waiver", n)
			}
		}
		if o := p.Offsite; o != nil && p.Scheme == SchemeCycle && p.Cycle != nil && cycleLevel(p.Cycle.Every) == LevelDaily {
			if need := o.Keep + o.lead() + o.TransitDays; p.Cycle.Cartridges < need {
				add(SeverityWarning, ruleKeepReachable, sectionKeep, subj, "check.keep_reachable", "a daily cycle of %d cannot keep %d generations away: with %s on the road (transit) and %s coming back to be written (lead), %d can be away; rotate at least %d cartridges or lower offsite.keep",
					p.Cycle.Cartridges, o.Keep, count(o.TransitDays, "generation"), count(o.lead(), "cartridge"), max(p.Cycle.Cartridges-o.lead()-o.TransitDays, 0), need)
			}
		}
	}

	// Sites used as offsite destinations.
	need := map[string]float64{} // remote destination -> strictest distance
	used := map[string]bool{}
	for _, p := range cfg.Pools {
		if o := p.Offsite; o != nil {
			used[o.Site] = true
			if dest := remoteDestination(p, view); dest != "" {
				used[dest] = true
				need[dest] = max(need[dest], o.minDistance())
			}
		}
	}
	room, hasRoom := view.site(view.machineRoom())
	for _, s := range cfg.Sites {
		if s.Kind == SiteMachineRoom {
			continue
		}
		subj := about("site", s.Name)
		minKM, isDest := need[s.Name]
		if !isDest {
			minKM = DefaultMinDistanceKM
		}
		if hasRoom {
			if shared := s.sharedHazards(room); len(shared) > 0 {
				sev := SeverityWarning
				if s.Kind == SiteRemote || isDest {
					sev = SeverityError
				}
				if used[s.Name] || s.Kind == SiteRemote {
					add(sev, ruleHazard, sectionHazard, subj, "check.hazard", "shares %s with machine room %s: one event can destroy both copies; keep media at a site without that hazard (a sturdy public building on high ground)",
						strings.Join(shared, ", "), room.Name)
				}
			}
		}
		if (s.Kind == SiteRemote || isDest) && s.DistanceKM < minKM {
			add(SeverityError, ruleDistance, sectionDistance, subj, "check.distance", "is %g km from the machine room, nearer than %g km: the same earthquake can hit both; use a site at least %g km away",
				s.DistanceKM, minKM, minKM)
		}
	}

	// Systems.
	jobsOf := map[string][]Job{}
	for _, j := range cfg.Jobs {
		jobsOf[j.System] = append(jobsOf[j.System], j)
	}
	priorities := map[int][]string{}
	for _, s := range cfg.Systems {
		subj := about("system", s.Name)
		var mine []Pool
		for _, j := range jobsOf[s.Name] {
			if p, ok := pools[j.Pool]; ok && p.Scheme != SchemeScratch {
				mine = append(mine, p)
			}
		}
		if len(jobsOf[s.Name]) == 0 {
			add(SeverityError, ruleNoBackup, sectionNoBackup, subj, "check.no_backup", "has no backup job: add a job writing it to a pool")
		}
		if s.UpdatesPerWeek >= 2 && len(jobsOf[s.Name]) > 0 && !slices.ContainsFunc(mine, writesDaily) {
			add(SeverityError, ruleDaily, sectionDaily, subj, "check.daily", "data is updated %g times a week but no pool of its jobs keeps daily generations: back it up daily (a cycle with every: day, or gfs)",
				s.UpdatesPerWeek)
		}
		if important := s.Availability == 2 || s.Importance == "I" || s.Importance == "II"; important {
			if !slices.ContainsFunc(mine, func(p Pool) bool { return reachesRemote(p, view) }) {
				add(SeverityError, ruleRemote, sectionRemote, subj, "check.remote", "is %s but none of its pools keeps a generation at a remote site at least the configured distance away that shares no hazard with the machine room: add offsite.remote_site to a pool of its jobs",
					classDescription(s))
			}
		}
		if s.Confidentiality == 2 {
			seen := map[string]bool{}
			for _, p := range mine {
				if p.Offsite != nil && p.Encryption == "" && !seen[p.Name] {
					seen[p.Name] = true
					add(SeverityError, ruleEncryption, sectionEncryption, subj, "check.encryption", "holds confidentiality-2 data, and pool %s takes it offsite without encryption: set encryption: age with recipients: for pool %s",
						p.Name, p.Name)
				}
			}
		}
		if !s.RestoreProcedure {
			add(SeverityWarning, ruleProcedure, sectionProcedure, subj, "check.procedure", "has no documented restore procedure: write one (with the vendor if there is one) and set restore_procedure_documented: true")
		}
		if s.RestorePriority == 0 {
			add(SeverityWarning, rulePriority, sectionPriority, subj, "check.priority", "has no restore priority: number the systems in restore order (the standard puts the resident registry first, then the public website, then tax data)")
		} else {
			priorities[s.RestorePriority] = append(priorities[s.RestorePriority], s.Name)
		}
		if s.Importance == "" || s.Availability == 0 {
			add(SeverityWarning, ruleInventory, sectionAvailability, subj, "check.classes", "has no importance class (I-IV) or availability class (1-2): classify it, as the remote-copy rule depends on it")
		}
		if strings.TrimSpace(s.Manager) == "" {
			add(SeverityInfo, ruleInventory, sectionInventory, subj, "check.manager", "has no manager: name the person responsible")
		}
		if strings.TrimSpace(s.VendorContact) == "" {
			add(SeverityInfo, ruleInventory, sectionInventory, subj, "check.vendor", "has no vendor contact: record who supports a restore (or that there is no vendor)")
		}
		if facts.DrillsTracked {
			last := facts.Drills[s.Name]
			switch {
			case last.IsZero():
				add(SeverityWarning, ruleDrill, sectionDrill, subj, "check.drill.none", "has no restore drill recorded: run one following the restore procedure and record it")
			case last.Before(now.AddDate(-1, 0, 0)):
				add(SeverityWarning, ruleDrill, sectionDrill, subj, "check.drill.old", "last restore drill was on %s, more than 12 months ago: run one and record its findings", Date(last.In(now.Location())))
			}
			if problem, ok := facts.DrillProblems[s.Name]; ok {
				add(SeverityWarning, ruleDrill, sectionDrill, subj, "check.drill.problem", "the last restore drill, on %s, %s: fix what it found and run the drill again", Date(last.In(now.Location())), problem)
			}
		}
	}
	checkEncryption(cfg, facts, add)
	if facts.Catalog {
		checkHandling(cfg, facts, add)
	}
	if !facts.DrillsTracked && len(cfg.Systems) > 0 {
		add(SeverityInfo, ruleDrill, sectionDrill, phrase("check.subject.drills", "restore drills"), "check.drill.untracked", "are not tracked yet, so the yearly drill cannot be checked: record each restore drill")
	}
	for _, n := range slices.Sorted(maps.Keys(priorities)) {
		if names := priorities[n]; len(names) > 1 {
			slices.Sort(names)
			add(SeverityWarning, rulePriority, sectionPriority, phrase("check.subject.systems", "systems %s", strings.Join(names, ", ")), "check.priority.shared", "share restore priority %d: decide their order in advance", n)
		}
	}

	// Drives and cleaning.
	types := map[string]bool{}
	for _, d := range cfg.Drives {
		subj := about("drive", d.Name)
		types[d.Type] = true
		switch {
		case mediatype.IsDisk(d.Type):
			// A directory drive writes to removable disks: nothing to clean.
		case d.Cleaning == nil:
			add(SeverityWarning, ruleCleaningPolicy, sectionCleaning, subj, "check.cleaning.policy", "has no cleaning policy: set cleaning.on_request (LTO) or an interval (DDS/DAT)")
		case cleanerFamily(d.Type) == "LTO-CLN" && d.Cleaning.scheduled():
			add(SeverityInfo, ruleCleaningOnAsk, sectionCleaning, subj, "check.cleaning.on_ask", "is cleaned on a schedule, but LTO drives should be cleaned only when they ask (each cleaning wears the heads): use cleaning.on_request")
		}
	}
	if facts.Catalog {
		for _, t := range slices.Sorted(maps.Keys(types)) {
			if cleanerFamily(t) == "" {
				continue
			}
			if cands, why := usableCleaners(t, view, now, nil); len(cands) == 0 {
				add(SeverityWarning, ruleCleaningSupply, sectionCleaning, phrase("check.subject.drive_type", "drive type %s", t), "check.cleaning.supply", "has no usable %s cleaning cartridge at the machine room (%s): add one", cleanerFamily(t), why)
			}
		}
		for _, s := range SpentCleaners(facts.Cartridges, now) {
			say(SeverityInfo, ruleCleaningSpent, sectionCleaning, phrase("check.subject.cartridge", "cartridge %s", s.Barcode), s.Reason)
		}
	}

	slices.SortStableFunc(fs, func(a, b Finding) int {
		if c := a.Severity.rank() - b.Severity.rank(); c != 0 {
			return c
		}
		for _, c := range []int{strings.Compare(a.Rule, b.Rule), strings.Compare(a.Subject, b.Subject), strings.Compare(a.Message, b.Message)} {
			if c != 0 {
				return c
			}
		}
		return 0
	})
	return fs
}

// HasErrors reports whether any finding is an error.
func HasErrors(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Severity == SeverityError })
}

// writesDaily reports whether the pool keeps daily generations.
func writesDaily(p Pool) bool {
	switch p.Scheme {
	case SchemeCycle:
		return p.Cycle != nil && cycleLevel(p.Cycle.Every) == LevelDaily
	case SchemeGFS:
		return p.GFS != nil && p.GFS.Daily > 0
	}
	return false
}

// remoteDestination returns the pool's remote destination: its
// remote_site, or its site when that is a remote site.
func remoteDestination(p Pool, view View) string {
	o := p.Offsite
	if o == nil {
		return ""
	}
	if o.RemoteSite != "" {
		return o.RemoteSite
	}
	if s, ok := view.site(o.Site); ok && s.Kind == SiteRemote {
		return o.Site
	}
	return ""
}

// reachesRemote reports whether the pool's offsite policy keeps a
// generation at a remote site satisfying the distance and hazard rule.
func reachesRemote(p Pool, view View) bool {
	dest := remoteDestination(p, view)
	return dest != "" && len(remoteFaults(view, dest, p.Offsite.minDistance())) == 0
}

func classDescription(s System) Reason {
	important := s.Importance == "I" || s.Importance == "II"
	switch {
	case important && s.Availability == 2:
		return phrase("check.class.both", "importance class %s and availability class 2", s.Importance)
	case important:
		return phrase("check.class.importance", "importance class %s", s.Importance)
	}
	return phrase("check.class.availability", "availability class 2")
}

// checkEncryption reports encrypted pools without a second (escrow)
// recipient, and generations still held that none of a pool's configured
// recipients can decrypt.
func checkEncryption(cfg Config, facts Facts, add func(sev Severity, rule, section string, subject Reason, key, format string, args ...any)) {
	current := map[string]Pool{}
	for _, p := range cfg.Pools {
		current[p.Name] = p
		if p.Encryption != "" && len(p.Recipients) == 1 {
			add(SeverityWarning, ruleEscrow, sectionEncryption, about("pool", p.Name), "check.escrow", "is encrypted to one recipient only: if that key is lost, so are the tapes; add an escrow recipient kept sealed at the remote site")
		}
	}
	stale := map[string][]Reason{}
	for _, g := range facts.Encrypted {
		p, ok := current[g.Pool]
		if ok && slices.ContainsFunc(g.Recipients, func(r string) bool { return slices.Contains(p.Recipients, r) }) {
			continue
		}
		stale[g.Pool] = append(stale[g.Pool], phrase("check.old_recipients.generation", "%s (to %s)", g.Generation, strings.Join(g.Recipients, ", ")))
	}
	for _, pool := range slices.Sorted(maps.Keys(stale)) {
		gens := stale[pool]
		slices.SortFunc(gens, func(a, b Reason) int { return strings.Compare(a.Message, b.Message) })
		add(SeverityWarning, ruleOldRecipients, sectionEncryption, about("pool", pool), "check.old_recipients", "holds generations encrypted only to recipients no longer configured: %s; keep those identities (and their escrow) until the generations are overwritten",
			gens)
	}
}

// about is the subject of a finding: a thing of kind (pool, site,
// system, drive, manifest, place) by its name, as `pool "daily"`.
func about(kind, name string) Reason {
	return phrase("check.subject."+kind, kind+" %q", name)
}
