package rotation

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Code is a short, stable identifier for a reason. Scripts and the daemon
// match on codes; people read the message.
type Code string

// Reason explains a decision: a stable code and a sentence an operator can
// act on, naming barcodes and places.
//
// Message is the sentence in English. Key names the same sentence in the
// daemon's catalogue of texts and Args fill it, so that the daemon can
// tell the reason in the operator's language; neither travels in JSON. A
// reason without a key is told as its Message. Args are what the sentence
// names, as values the other language can write its own way: numbers,
// identifiers (strings), Locations, Counts, Dates and DateTimes, States and
// Levels, Lists of words, and Reasons, or lists of them, for the parts of a sentence made
// of other sentences (their Code is empty).
type Reason struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	Key     string `json:"-"`
	Args    []any  `json:"-"`
}

// because makes a reason whose English is format filled with args (a
// Reason argument shows its Message, a []Reason its Messages joined by
// "; "); key names the same text in the daemon's catalogue.
func because(code Code, key, format string, args ...any) Reason {
	shown := make([]any, len(args))
	for i, a := range args {
		switch a := a.(type) {
		case Reason:
			shown[i] = a.Message
		case []Reason:
			msgs := make([]string, len(a))
			for j, r := range a {
				msgs[j] = r.Message
			}
			shown[i] = strings.Join(msgs, "; ")
		default:
			shown[i] = a
		}
	}
	return Reason{Code: code, Message: fmt.Sprintf(format, shown...), Key: key, Args: args}
}

// phrase is part of a reason's sentence, kept with its key so that the
// part too can be told in another language.
func phrase(key, format string, args ...any) Reason { return because("", key, format, args...) }

// Count is a number of things, written "1 day" or "3 days" (see Plural);
// another language writes the number with its own counter word.
type Count struct {
	N    int
	One  string // the thing, singular
	Many string // its plural when not One with an s
}

// count is Plural's arguments as a Count.
func count(n int, singular string, many ...string) Count {
	c := Count{N: n, One: singular}
	if len(many) > 0 {
		c.Many = many[0]
	}
	return c
}

// String is the count in English, as Plural writes it.
func (c Count) String() string {
	if c.Many != "" {
		return Plural(c.N, c.One, c.Many)
	}
	return Plural(c.N, c.One)
}

// Date is a calendar day in a reason, written 2025-04-10 in its own
// location.
type Date time.Time

// String is the day as rotation writes dates.
func (d Date) String() string { return date(time.Time(d)) }

// DateTime is a day and a time of day in a reason, written 2025-04-10
// 15:04 in its own location.
type DateTime time.Time

// String is the day and time as rotation writes them.
func (d DateTime) String() string { return time.Time(d).Format("2006-01-02 15:04") }

// List is words in a reason, each an identifier or a Reason, written "a,
// b and c", "a, b or c", or "a, b"; another language joins them its own
// way.
type List struct {
	Items []any
	Join  Join
}

// Join is how a List joins its last item.
type Join int

// The joins.
const (
	JoinComma Join = iota // a, b, c
	JoinAnd               // a, b and c
	JoinOr                // a, b or c
)

// String is the list as rotation writes it.
func (l List) String() string {
	words := make([]string, len(l.Items))
	for i, a := range l.Items {
		if r, ok := a.(Reason); ok {
			words[i] = r.Message
		} else {
			words[i] = fmt.Sprint(a)
		}
	}
	switch l.Join {
	case JoinAnd:
		return andList(words)
	case JoinOr:
		return orList(words)
	}
	return strings.Join(words, ", ")
}

// String renders the reason as "code: message".
func (r Reason) String() string { return string(r.Code) + ": " + r.Message }

// Codes of the reasons NextCartridge gives.
const (
	CodeAppend              Code = "append"                // continue the current period's generation
	CodeSpan                Code = "span"                  // the current generation continues on a further cartridge
	CodeUnused              Code = "unused"                // a cartridge of the pool never written
	CodeOldest              Code = "oldest"                // the oldest generation no longer retained
	CodeOutOfOrder          Code = "out-of-order"          // the next in rotation is away, another is used
	CodeLocation            Code = "location"              // where the chosen cartridge is
	CodeMediaErrors         Code = "media-errors"          // the chosen cartridge has recorded errors
	CodeScratchSupply       Code = "scratch-supply"        // the pool has fewer cartridges than it needs
	CodeReplaceRetired      Code = "replace-retired"       // the next in rotation is retired, damaged or lost
	CodeScratchAllProtected Code = "scratch-all-protected" // every cartridge is protected, the pool grows
	CodeAllProtected        Code = "all-protected"         // nothing may be overwritten and no scratch is at hand
	CodeRecallNeeded        Code = "recall-needed"         // the cartridge to write is not on site
	CodeNoScratch           Code = "no-scratch"            // the scratch pool cannot supply one
)

// Codes of the reasons Retain gives for each generation.
const (
	CodeRetained    Code = "retained"     // one of the newest good generations of its level
	CodePartialKept Code = "partial-kept" // partial, kept as long as a good one of its date
	CodeExpired     Code = "expired"      // older than the retained count
	CodeFailed      Code = "failed"       // failed generations are never counted or protected
	CodeUnreadable  Code = "unreadable"   // on a damaged or lost cartridge: not counted as good
)

// Codes of the reasons Plan gives.
const (
	CodeSend              Code = "send"                  // take a generation away from the machine room
	CodeSendRemote        Code = "send-remote"           // take a generation to the remote site
	CodeRecallDue         Code = "recall-due"            // it will be written within the lead time
	CodeRecallExpired     Code = "recall-expired"        // nothing on it is retained any more
	CodeHoldLastOffsite   Code = "hold-last-offsite"     // a recall waits: it holds the last good generation away
	CodeHoldLastRemote    Code = "hold-last-remote"      // a recall waits: it holds the last good generation at the remote site
	CodeBelowMinimum      Code = "offsite-below-minimum" // fewer good generations away than configured
	CodeNoRemote          Code = "no-remote-copy"        // no good generation at a qualifying remote site
	CodeRemoteUnqualified Code = "remote-unqualified"    // the remote destination fails the distance or hazard rule
	CodeCannotSend        Code = "cannot-send"           // a generation that should travel cannot
)

// NoCartridgeError is returned by NextCartridge when no cartridge can be
// written. Its reasons say why and what the operator must do; the first
// one carries the main code.
type NoCartridgeError struct {
	Pool    string   `json:"pool"`
	Reasons []Reason `json:"reasons"`
}

// ErrNoCartridge matches every *NoCartridgeError with errors.Is.
var ErrNoCartridge = errors.New("rotation: no cartridge can be written")

// Error joins the reasons' messages after the pool's name.
func (e *NoCartridgeError) Error() string {
	msgs := make([]string, len(e.Reasons))
	for i, r := range e.Reasons {
		msgs[i] = r.Message
	}
	return "pool " + e.Pool + ": no cartridge can be written: " + strings.Join(msgs, "; ")
}

// Is makes errors.Is(err, ErrNoCartridge) true.
func (e *NoCartridgeError) Is(target error) bool { return target == ErrNoCartridge }

// Code returns the main reason's code.
func (e *NoCartridgeError) Code() Code {
	if len(e.Reasons) == 0 {
		return ""
	}
	return e.Reasons[0].Code
}
