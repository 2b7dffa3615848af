package rotation

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/media/mediatype"
)

// cleanerFamily returns the cleaning media type for driveType, "" for none
// (mediatype.CleanerFor): the universal LTO cleaning cartridge fits every
// LTO drive, the DDS one every DDS and DAT drive. A cleaning media type
// itself has none.
func cleanerFamily(driveType string) string { return mediatype.CleanerFor(driveType) }

// Cleans reports whether a cleaning cartridge of media type cleaner cleans
// a drive of type driveType ("LTO-CLN" cleans "LTO-8", "DDS-CLN" cleans
// "DAT160").
func Cleans(cleaner, driveType string) bool { return mediatype.Cleans(cleaner, driveType) }

// Due says how urgently a drive needs cleaning.
type Due string

// Cleaning urgencies.
const (
	DueNow  Due = "now"
	DueSoon Due = "soon"
	DueNot  Due = "not-due"
)

// Codes of the reasons CleaningDue and SpentCleaners give.
const (
	CodeCleanRequired    Code = "clean-required"    // TapeAlert 20: clean now
	CodeCleanRequested   Code = "clean-requested"   // TapeAlert 21 or the drive's cleaning bit
	CodeIntervalDays     Code = "interval-days"     // the policy's days have passed
	CodeIntervalMounts   Code = "interval-mounts"   // the policy's mounts have passed
	CodeIntervalHours    Code = "interval-hours"    // the policy's motion hours have passed
	CodeNeverCleaned     Code = "never-cleaned"     // a day interval with no cleaning recorded
	CodeNoPolicy         Code = "no-policy"         // the drive has no cleaning policy
	CodeNotDue           Code = "not-due"           // nothing asks for cleaning
	CodeCleanerExhausted Code = "cleaner-exhausted" // no uses left
	CodeCleanerExpired   Code = "cleaner-expired"   // past its date, or the drive said so (TapeAlert 22)
	CodeCleanerInvalid   Code = "cleaner-invalid"   // the drive rejected it (TapeAlert 23)
	CodeNoCleaner        Code = "no-cleaner"        // no usable cleaning cartridge for the drive
	CodeUseCleaner       Code = "use-cleaner"       // the cleaning cartridge to use
)

// DriveHistory is what the catalog and the drive say about a drive's
// cleaning.
type DriveHistory struct {
	// LastCleaned is the last recorded cleaning; zero if none.
	LastCleaned time.Time `json:"last_cleaned,omitzero"`
	// MountsSince, MotionHoursSince and BytesSince count use since then.
	MountsSince      int     `json:"mounts_since"`
	MotionHoursSince float64 `json:"motion_hours_since"`
	BytesSince       int64   `json:"bytes_since"`
	// CleanRequested is the drive's cleaning-requested status bit
	// (GMT_CLN).
	CleanRequested bool `json:"clean_requested,omitempty"`
	// TapeAlerts are the TapeAlert flags set at the last read (numbers
	// 1 … 64).
	TapeAlerts []int `json:"tape_alerts,omitempty"`
	// Cleaner is the cleaning cartridge that was in the drive when flags
	// 22 or 23 were raised.
	Cleaner string `json:"cleaner,omitempty"`
}

// Cleaning is the decision about one drive.
type Cleaning struct {
	Drive string `json:"drive"`
	Due   Due    `json:"due"`
	// Block is true when the drive must not run jobs until cleaned
	// (TapeAlert 20).
	Block   bool     `json:"block,omitempty"`
	Reasons []Reason `json:"reasons"`
	// Cleaner is the cleaning cartridge to use when due now or soon; empty
	// if none is usable (a no-cleaner reason says why).
	Cleaner string `json:"cleaner,omitempty"`
	// Spent are cleaning cartridges the drive rejected as expired
	// (TapeAlert 22): the catalog should record them as used up.
	Spent []Spent `json:"spent,omitempty"`
}

// Spent is a cleaning cartridge to retire, or remove, and why.
type Spent struct {
	Barcode string `json:"barcode"`
	Reason  Reason `json:"reason"`
}

// CleaningDue decides whether the drive needs cleaning: now when the drive
// asks (TapeAlert 20 or 21, the cleaning-requested bit) or an interval of
// its policy has passed, soon when an interval is within a tenth of its
// length (at least one day, mount or hour), otherwise not. A drive without
// a policy is only cleaned on request, and says so. When cleaning is due
// it names the cleaning cartridge to use among cartridges: compatible with
// the drive, at the machine room (sites as in view), uses left and not
// expired; library slots first, then fewest uses left, soonest expiry and
// barcode.
func CleaningDue(drive Drive, history DriveHistory, view View, now time.Time) Cleaning {
	out := Cleaning{Drive: drive.Name, Due: DueNot}
	if mediatype.IsDisk(drive.Type) {
		return out // a directory drive for removable disks is never cleaned
	}
	raise := func(d Due) {
		if d == DueNow || (d == DueSoon && out.Due == DueNot) {
			out.Due = d
		}
	}
	alert := func(n int) bool { return slices.Contains(history.TapeAlerts, n) }
	if alert(20) {
		raise(DueNow)
		out.Block = true
		out.Reasons = append(out.Reasons, because(CodeCleanRequired, "reason.cleaning.required", "drive %s reports TapeAlert 20 (cleaning required): clean it before the next job", drive.Name))
	}
	if alert(21) || history.CleanRequested {
		raise(DueNow)
		r := because(CodeCleanRequested, "reason.cleaning.requested", "drive %s reports TapeAlert 21 (cleaning requested): clean it at the next opportunity", drive.Name)
		if !alert(21) {
			r = because(CodeCleanRequested, "reason.cleaning.requested.status", "drive %s reports its cleaning-requested status: clean it at the next opportunity", drive.Name)
		}
		out.Reasons = append(out.Reasons, r)
	}
	if alert(22) {
		if history.Cleaner != "" {
			out.Spent = append(out.Spent, Spent{history.Cleaner, because(CodeCleanerExpired, "reason.cleaning.cleaner-ejected", "drive %s ejected %s as expired cleaning media (TapeAlert 22): record it as used up and retire it", drive.Name, history.Cleaner)})
		} else {
			out.Reasons = append(out.Reasons, because(CodeCleanerExpired, "reason.cleaning.cleaner-expired.unknown", "drive %s reports expired cleaning media (TapeAlert 22): find the cleaning cartridge last used in it and retire it", drive.Name))
		}
	}
	if alert(23) {
		r := because(CodeCleanerInvalid, "reason.cleaning.cleaner-invalid.unknown", "drive %s rejected the cleaning cartridge last used as an invalid cleaning tape (TapeAlert 23): take it out of use for %s drives", drive.Name, drive.Type)
		if history.Cleaner != "" {
			r = because(CodeCleanerInvalid, "reason.cleaning.cleaner-invalid", "drive %s rejected %s as an invalid cleaning tape (TapeAlert 23): take it out of use for %s drives", drive.Name, history.Cleaner, drive.Type)
		}
		out.Reasons = append(out.Reasons, r)
	}

	if drive.Cleaning == nil {
		out.Reasons = append(out.Reasons, because(CodeNoPolicy, "reason.cleaning.no-policy", "drive %s has no cleaning policy: only its own requests are honoured; configure one", drive.Name))
	} else if p := *drive.Cleaning; p.scheduled() {
		if p.EveryDays > 0 {
			if history.LastCleaned.IsZero() {
				raise(DueNow)
				out.Reasons = append(out.Reasons, because(CodeNeverCleaned, "reason.cleaning.never-cleaned", "drive %s has no cleaning recorded and its policy is every %s", drive.Name, count(p.EveryDays, "day")))
			} else {
				days := int(dayStart(now).Sub(dayStart(history.LastCleaned.In(now.Location()))).Hours()/24 + 0.5)
				out.interval(CodeIntervalDays, float64(days), float64(p.EveryDays), phrase("reason.cleaning.detail.days", "last cleaned %s, %s ago; policy every %d", Date(history.LastCleaned.In(now.Location())), count(days, "day"), p.EveryDays), raise)
			}
		}
		if p.EveryMounts > 0 {
			out.interval(CodeIntervalMounts, float64(history.MountsSince), float64(p.EveryMounts), phrase("reason.cleaning.detail.mounts", "%s since the last cleaning; policy every %d", count(history.MountsSince, "mount"), p.EveryMounts), raise)
		}
		if p.EveryMotionHours > 0 {
			out.interval(CodeIntervalHours, history.MotionHoursSince, p.EveryMotionHours, phrase("reason.cleaning.detail.hours", "%.1f motion hours since the last cleaning; policy every %g", history.MotionHoursSince, p.EveryMotionHours), raise)
		}
	}
	if out.Due == DueNot {
		r := because(CodeNotDue, "reason.cleaning.not-due", "drive %s has not asked for cleaning", drive.Name)
		if !history.LastCleaned.IsZero() {
			r = because(CodeNotDue, "reason.cleaning.not-due.since", "drive %s has not asked for cleaning (last cleaned %s, %s and %s since)",
				drive.Name, Date(history.LastCleaned.In(now.Location())), count(history.MountsSince, "mount"), formatBytes(history.BytesSince))
		}
		out.Reasons = append(out.Reasons, r)
		return out
	}

	rejected := map[string]bool{}
	if alert(22) || alert(23) {
		rejected[history.Cleaner] = true
	}
	cands, why := usableCleaners(drive.Type, view, now, rejected)
	if len(cands) == 0 {
		out.Reasons = append(out.Reasons, because(CodeNoCleaner, "reason.cleaning.no-cleaner", "no usable %s cleaning cartridge for drive %s (%s): put a new one into the library or onto the shelf", cleanerFamily(drive.Type), drive.Name, why))
		return out
	}
	out.Cleaner = cands[0].Barcode
	out.Reasons = append(out.Reasons, because(CodeUseCleaner, "reason.cleaning.use", "use %s (%s left), %s", cands[0].Barcode, count(cands[0].UsesLeft, "use"), cands[0].Location))
	return out
}

// interval adds the reason for one interval of the policy.
func (c *Cleaning) interval(code Code, used, every float64, detail Reason, raise func(Due)) {
	soon := math.Max(1, every/10)
	switch {
	case used >= every:
		raise(DueNow)
		c.Reasons = append(c.Reasons, because(code, "reason.cleaning.due", "drive %s is due: %s", c.Drive, detail))
	case every-used <= soon:
		raise(DueSoon)
		c.Reasons = append(c.Reasons, because(code, "reason.cleaning.due-soon", "drive %s is due soon: %s", c.Drive, detail))
	}
}

// usableCleaners returns the cleaning cartridges that can clean a drive of
// driveType now, best first, and a summary of why none can.
func usableCleaners(driveType string, view View, now time.Time, rejected map[string]bool) ([]Cartridge, Reason) {
	mr := view.machineRoom()
	var out []Cartridge
	var seen, spent, away int
	for _, c := range view.Cartridges {
		if c.State != StateCleaning || !Cleans(c.MediaType, driveType) || rejected[c.Barcode] {
			continue
		}
		seen++
		switch {
		case c.UsesLeft <= 0 || (!c.Expires.IsZero() && !now.Before(c.Expires)):
			spent++
		case !onSite(c.Location, mr):
			away++
		default:
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b Cartridge) int {
		if c := boolCompare(!inLibrary(a.Location), !inLibrary(b.Location)); c != 0 {
			return c
		}
		if a.UsesLeft != b.UsesLeft {
			return a.UsesLeft - b.UsesLeft
		}
		if c := expiry(a).Compare(expiry(b)); c != 0 {
			return c
		}
		return strings.Compare(a.Barcode, b.Barcode)
	})
	return out, phrase("reason.cleaning.cleaners", "%d known, %d used up or expired, %d not at the machine room", seen, spent, away)
}

// expiry returns c's expiry, with "never" as the far future.
func expiry(c Cartridge) time.Time {
	if c.Expires.IsZero() {
		return time.Unix(1<<40, 0)
	}
	return c.Expires
}

// SpentCleaners lists the cleaning cartridges with no uses left or past
// their expiry, so the daemon can retire them, sorted by barcode.
func SpentCleaners(cartridges []Cartridge, now time.Time) []Spent {
	var out []Spent
	for _, c := range cartridges {
		if c.State != StateCleaning {
			continue
		}
		switch {
		case c.UsesLeft <= 0:
			out = append(out, Spent{c.Barcode, because(CodeCleanerExhausted, "reason.cleaning.cleaner-exhausted", "cleaning cartridge %s has no uses left: retire it and put a new one in its place (%s)", c.Barcode, c.Location)})
		case !c.Expires.IsZero() && !now.Before(c.Expires):
			out = append(out, Spent{c.Barcode, because(CodeCleanerExpired, "reason.cleaning.cleaner-expired", "cleaning cartridge %s expired on %s: retire it and put a new one in its place (%s)", c.Barcode, Date(c.Expires.In(now.Location())), c.Location)})
		}
	}
	slices.SortFunc(out, func(a, b Spent) int { return strings.Compare(a.Barcode, b.Barcode) })
	return out
}

// formatBytes renders n in decimal units, as vendors state capacities.
func formatBytes(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %s", f, units[i])
}
