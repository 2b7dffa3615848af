package drives

import (
	"fmt"
	"strings"
)

// Severity is a TapeAlert flag's severity.
type Severity int

// Severities, as HPE's TapeAlert definitions give them.
const (
	SeverityUnknown Severity = iota
	SeverityInformation
	SeverityWarning
	SeverityCritical
)

// String returns "I", "W", "C" or "?".
func (s Severity) String() string {
	switch s {
	case SeverityInformation:
		return "I"
	case SeverityWarning:
		return "W"
	case SeverityCritical:
		return "C"
	}
	return "?"
}

// TapeAlert is one raised flag with its meaning.
type TapeAlert struct {
	Flag     int      `json:"flag"` // 1…64
	Name     string   `json:"name"`
	Severity Severity `json:"severity"`
}

// String renders "TapeAlert 20 (C) Cleaning required".
func (a TapeAlert) String() string {
	return fmt.Sprintf("TapeAlert %d (%s) %s", a.Flag, a.Severity, a.Name)
}

type flagDef struct {
	name string
	sev  Severity
}

const (
	sevC = SeverityCritical
	sevW = SeverityWarning
	sevI = SeverityInformation
	sevU = SeverityUnknown
)

// driveFlags are the SSC tape drive flags 1…64 (tapealert.md §2).
var driveFlags = [64]flagDef{
	{"Read warning", sevW}, {"Write warning", sevW}, {"Hard error", sevW}, {"Media", sevC},
	{"Read failure", sevC}, {"Write failure", sevC}, {"Media life", sevW}, {"Not data grade", sevW},
	{"Write protect", sevC}, {"No removal", sevI}, {"Cleaning media", sevI}, {"Unsupported format", sevI},
	{"Recoverable mechanical cartridge failure", sevC}, {"Unrecoverable mechanical cartridge failure", sevC},
	{"Memory chip in cartridge failure", sevW}, {"Forced eject", sevC},
	{"Read only format", sevW}, {"Tape directory corrupted on load", sevW}, {"Nearing media life", sevI},
	{"Cleaning required", sevC}, {"Cleaning requested", sevW}, {"Expired cleaning media", sevC},
	{"Invalid cleaning tape", sevC}, {"Retension requested", sevW}, {"Dual port interface error", sevW},
	{"Cooling fan failing", sevW}, {"Power supply failure", sevW}, {"Power consumption", sevW},
	{"Drive maintenance", sevW}, {"Hardware A", sevC}, {"Hardware B", sevC}, {"Interface", sevW},
	{"Eject media", sevC}, {"Microcode update fail", sevW}, {"Drive humidity", sevW},
	{"Drive temperature", sevW}, {"Drive voltage", sevW}, {"Predictive failure", sevC},
	{"Diagnostics required", sevW}, {"Obsolete (28h): loader hardware A", sevC},
	{"Obsolete (29h): loader stray tape", sevC}, {"Obsolete (2Ah): loader hardware B", sevW},
	{"Obsolete (2Bh): loader door", sevC}, {"Obsolete (2Ch): loader hardware C", sevC},
	{"Obsolete (2Dh): loader magazine", sevC}, {"Obsolete (2Eh): loader predictive failure", sevW},
	{"External data encryption control - communications failure", sevU},
	{"External data encryption control - key manager returned error", sevU},
	{"Diminished native capacity", sevU}, {"Lost statistics", sevW},
	{"Tape directory invalid at unload", sevW}, {"Tape system area write failure", sevC},
	{"Tape system area read failure", sevC}, {"No start of data", sevC}, {"Loading failure", sevC},
	{"Unrecoverable unload failure", sevC}, {"Automation interface failure", sevC},
	{"Firmware failure", sevW}, {"WORM medium - integrity check failed", sevC},
	{"WORM medium - overwrite attempted", sevC}, {"Encryption policy violation", sevU},
	{"Reserved (3Eh)", sevU}, {"Reserved (3Fh)", sevU}, {"Reserved (40h)", sevU},
}

// changerFlags are the SMC library flags 1…32 (tapealert.md §3).
var changerFlags = [32]flagDef{
	{"Library hardware A", sevC}, {"Library hardware B", sevW}, {"Library hardware C", sevC},
	{"Library hardware D", sevC}, {"Library diagnostics required", sevW}, {"Library interface", sevC},
	{"Failure prediction", sevW}, {"Library maintenance", sevW}, {"Library humidity limits", sevC},
	{"Library temperature limits", sevC}, {"Library voltage limits", sevC}, {"Library stray tape", sevC},
	{"Library pick retry", sevW}, {"Library place retry", sevW}, {"Library load retry", sevW},
	{"Library door", sevC}, {"Library mailslot", sevC}, {"Library magazine", sevC},
	{"Library security", sevW}, {"Library security mode", sevI}, {"Library offline", sevI},
	{"Library drive offline", sevI}, {"Library scan retry", sevW}, {"Library inventory", sevC},
	{"Library illegal operation", sevW}, {"Dual-port interface error", sevW}, {"Cooling fan failure", sevW},
	{"Power supply", sevW}, {"Power consumption", sevW}, {"Pass-through mechanism failure", sevC},
	{"Cartridge in pass-through mechanism", sevC}, {"Unreadable bar code labels", sevI},
}

// Drive TapeAlert flags callers act on.
const (
	AlertReadWarning         = 1
	AlertWriteWarning        = 2
	AlertHardError           = 3
	AlertMedia               = 4
	AlertReadFailure         = 5
	AlertWriteFailure        = 6
	AlertMediaLife           = 7
	AlertWriteProtect        = 9
	AlertCleaningMedia       = 11
	AlertUnsupportedFormat   = 12
	AlertReadOnlyFormat      = 17
	AlertNearingMediaLife    = 19
	AlertCleanNow            = 20
	AlertCleanPeriodic       = 21
	AlertExpiredCleaning     = 22
	AlertInvalidCleaningTape = 23
	AlertWORMOverwrite       = 60
)

// TapeAlertFlags is the set of raised drive flags: bit n-1 is flag n.
type TapeAlertFlags uint64

// Has reports whether flag n (1…64) is raised.
func (f TapeAlertFlags) Has(n int) bool { return n >= 1 && n <= 64 && f&(1<<(n-1)) != 0 }

// With returns f with flag n raised.
func (f TapeAlertFlags) With(n int) TapeAlertFlags {
	if n < 1 || n > 64 {
		return f
	}
	return f | 1<<(n-1)
}

// Alerts lists the raised flags in flag order with names and severities.
func (f TapeAlertFlags) Alerts() []TapeAlert { return alerts(uint64(f), driveFlags[:]) }

// String lists the raised flags, or "none".
func (f TapeAlertFlags) String() string { return alertString(f.Alerts()) }

// CleaningRequested reports flag 20 (clean now) or 21 (clean periodic).
func (f TapeAlertFlags) CleaningRequested() bool {
	return f.Has(AlertCleanNow) || f.Has(AlertCleanPeriodic)
}

// CleaningMediaProblem reports flag 22 (expired cleaning cartridge) or 23
// (invalid cleaning cartridge).
func (f TapeAlertFlags) CleaningMediaProblem() bool {
	return f.Has(AlertExpiredCleaning) || f.Has(AlertInvalidCleaningTape)
}

// MediaSuspect reports flags that make the cartridge suspect: it must not
// take a new generation (4, 5, 6, 7, 13, 14, 52, 53, 54).
func (f TapeAlertFlags) MediaSuspect() bool { return f.any(4, 5, 6, 7, 13, 14, 52, 53, 54) }

// WrongCartridge reports write-protect, read-only format, cleaning media and
// unsupported format (9, 11, 12, 17): another cartridge must be used.
func (f TapeAlertFlags) WrongCartridge() bool { return f.any(9, 11, 12, 17) }

func (f TapeAlertFlags) any(ns ...int) bool {
	for _, n := range ns {
		if f.Has(n) {
			return true
		}
	}
	return false
}

// ChangerAlertFlags is the set of raised library flags: bit n-1 is flag n.
// Their meanings differ from the drive flags of the same number.
type ChangerAlertFlags uint64

// Has reports whether flag n (1…64) is raised.
func (f ChangerAlertFlags) Has(n int) bool { return n >= 1 && n <= 64 && f&(1<<(n-1)) != 0 }

// Alerts lists the raised flags with names and severities.
func (f ChangerAlertFlags) Alerts() []TapeAlert { return alerts(uint64(f), changerFlags[:]) }

// String lists the raised flags, or "none".
func (f ChangerAlertFlags) String() string { return alertString(f.Alerts()) }

// NeedsOperator reports flags after which the library cannot be used until
// someone acts: stray tape, door, mail slot, magazine, inventory (12, 16, 17,
// 18, 24).
func (f ChangerAlertFlags) NeedsOperator() bool {
	for _, n := range []int{12, 16, 17, 18, 24} {
		if f.Has(n) {
			return true
		}
	}
	return false
}

func alerts(bits uint64, table []flagDef) []TapeAlert {
	var out []TapeAlert
	for n := 1; n <= 64; n++ {
		if bits&(1<<(n-1)) == 0 {
			continue
		}
		a := TapeAlert{Flag: n, Name: fmt.Sprintf("Reserved (%02Xh)", n), Severity: SeverityUnknown}
		if n <= len(table) {
			a.Name, a.Severity = table[n-1].name, table[n-1].sev
		}
		out = append(out, a)
	}
	return out
}

func alertString(as []TapeAlert) string {
	if len(as) == 0 {
		return "none"
	}
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = fmt.Sprintf("%d %s (%s)", a.Flag, a.Name, a.Severity)
	}
	return strings.Join(parts, ", ")
}

// Log page codes.
const (
	pageTapeAlert         = 0x2e
	pageTapeAlertResponse = 0x12
)

// DecodeTapeAlertPage decodes a LOG SENSE page 2Eh response into drive
// flags. It walks the parameters by their length bytes (never by position),
// so omitted or reordered parameters are fine; a parameter's flag is bit 0
// of its first value byte. Parameter codes outside 1…64 are ignored.
func DecodeTapeAlertPage(page []byte) (TapeAlertFlags, error) {
	bits, err := decodeAlertPage(page)
	return TapeAlertFlags(bits), err
}

// DecodeChangerAlertPage decodes a changer's LOG SENSE page 2Eh, which has
// the same format but the library meanings.
func DecodeChangerAlertPage(page []byte) (ChangerAlertFlags, error) {
	bits, err := decodeAlertPage(page)
	return ChangerAlertFlags(bits), err
}

func decodeAlertPage(page []byte) (uint64, error) {
	body, err := logPageBody(page, pageTapeAlert)
	if err != nil {
		return 0, err
	}
	var bits uint64
	for len(body) > 0 {
		if len(body) < 4 {
			return 0, fmt.Errorf("drives: TapeAlert page: truncated parameter header (%d bytes left)", len(body))
		}
		code := int(body[0])<<8 | int(body[1])
		n := int(body[3])
		if len(body) < 4+n {
			return 0, fmt.Errorf("drives: TapeAlert page: parameter %#04x: length %d exceeds page", code, n)
		}
		if code >= 1 && code <= 64 && n >= 1 && body[4]&1 != 0 {
			bits |= 1 << (code - 1)
		}
		body = body[4+n:]
	}
	return bits, nil
}

// DecodeTapeAlertResponsePage decodes the TapeAlert Response log page 12h:
// parameter 0000h holds all 64 flags as an 8-byte bitmap, flag 1 in bit 7 of
// the first byte.
func DecodeTapeAlertResponsePage(page []byte) (TapeAlertFlags, error) {
	body, err := logPageBody(page, pageTapeAlertResponse)
	if err != nil {
		return 0, err
	}
	for len(body) > 0 {
		if len(body) < 4 {
			return 0, fmt.Errorf("drives: TapeAlert response page: truncated parameter header")
		}
		code := int(body[0])<<8 | int(body[1])
		n := int(body[3])
		if len(body) < 4+n {
			return 0, fmt.Errorf("drives: TapeAlert response page: parameter %#04x: length %d exceeds page", code, n)
		}
		if code == 0 {
			if n < 8 {
				return 0, fmt.Errorf("drives: TapeAlert response page: bitmap of %d bytes, want 8", n)
			}
			var bits TapeAlertFlags
			for i := 0; i < 64; i++ {
				if body[4+i/8]&(0x80>>(i%8)) != 0 {
					bits = bits.With(i + 1)
				}
			}
			return bits, nil
		}
		body = body[4+n:]
	}
	return 0, fmt.Errorf("drives: TapeAlert response page: no flag bitmap parameter")
}

func logPageBody(page []byte, code byte) ([]byte, error) {
	if len(page) < 4 {
		return nil, fmt.Errorf("drives: log page: %d bytes, want at least a 4-byte header", len(page))
	}
	if page[0]&0x3f != code {
		return nil, fmt.Errorf("drives: log page %#02x, want %#02x", page[0]&0x3f, code)
	}
	n := int(page[2])<<8 | int(page[3])
	if len(page) < 4+n {
		return nil, fmt.Errorf("drives: log page %#02x: length %d exceeds the %d bytes received", code, n, len(page)-4)
	}
	return page[4 : 4+n], nil
}

// EncodeTapeAlertPage builds a page 2Eh response with all 64 parameters, as
// drives send it (control byte 0). The virtual tape and tests use it.
func EncodeTapeAlertPage(f TapeAlertFlags) []byte {
	page := make([]byte, 4, 4+64*5)
	page[0] = pageTapeAlert
	page[2], page[3] = 0x01, 0x40
	for n := 1; n <= 64; n++ {
		v := byte(0)
		if f.Has(n) {
			v = 1
		}
		page = append(page, 0, byte(n), 0, 1, v)
	}
	return page
}
