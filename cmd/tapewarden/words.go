package main

import (
	"fmt"
	"github.com/tapewarden/tapewarden/daemon/api/client"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/tapewarden/tapewarden/media"
)

// timeLayout is how the CLI writes a time for people: in the daemon's
// configured zone, with its offset.
const timeLayout = "2006-01-02 15:04 -07:00"

// displayZone is the daemon's configured zone, once a command has asked
// the daemon for it (restore --at, which is read in that zone). Times in
// the daemon's answers already carry that zone's offset, so printing them
// needs no question.
var displayZone atomic.Pointer[time.Location]

// when writes t for people in the configured zone, with its offset.
func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	if loc := displayZone.Load(); loc != nil {
		t = t.In(loc)
	}
	return t.Format(timeLayout)
}

// loadZone asks the daemon for its configured zone, once.
func (a *app) loadZone(cmd *cobra.Command, c *client.Client) {
	if displayZone.Load() != nil {
		return
	}
	st, err := c.Status(cmd.Context())
	if err != nil {
		return // the command's own call says what is wrong
	}
	if loc, err := time.LoadLocation(st.Timezone); err == nil && st.Timezone != "" {
		displayZone.Store(loc)
		return
	}
	if !st.Now.IsZero() {
		displayZone.Store(st.Now.Location())
	}
}

// idArg accepts exactly one argument that is the number of a thing (a run,
// a prompt): anything else is a usage error that says where numbers are
// listed.
func idArg(thing, listedBy string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != 1 {
			return usagef("%s: give one %s number, as '%s' lists them (see '%s --help')", subPath(cmd), thing, listedBy, cmd.CommandPath())
		}
		if n, err := strconv.ParseInt(args[0], 10, 64); err != nil || n < 1 {
			return usagef("%s: %q is not a %s number; '%s' lists them", subPath(cmd), args[0], thing, listedBy)
		}
		return nil
	}
}

// maxLimit is the most rows a --limit may ask for.
const maxLimit = 100000

// inRange refuses a numeric flag outside [lo, hi] as a usage error.
func inRange(cmd *cobra.Command, flag string, v, lo, hi int) error {
	if v < lo || v > hi {
		return usagef("%s: --%s %d: give a number from %d to %d", subPath(cmd), flag, v, lo, hi)
	}
	return nil
}

// cartridgeStates are the states a cartridge can be in, for filters.
var cartridgeStates = []media.State{media.Scratch, media.Active, media.Full, media.Retired, media.Cleaning, media.Lost, media.Disposed}

// oneOf refuses a flag value that is not one of the allowed words.
func oneOf[S ~string](cmd *cobra.Command, flag, v string, allowed []S) error {
	if v == "" {
		return nil
	}
	var words []string
	for _, s := range allowed {
		if string(s) == v {
			return nil
		}
		words = append(words, string(s))
	}
	return usagef("%s: --%s %q: give one of %s", subPath(cmd), flag, v, strings.Join(words, ", "))
}

// position writes a tape position; the driver's -1 means it does not
// know (no cartridge, or lost after an error).
func position(file, block, partition int64) string {
	if file < 0 || block < 0 {
		return "unknown (no cartridge, or lost after an error; rewind to find it again)"
	}
	s := fmt.Sprintf("file %d, block %d", file, block)
	if partition >= 0 {
		s += fmt.Sprintf(", partition %d", partition)
	}
	return s
}

// subPath is the command's path without the program's name.
func subPath(cmd *cobra.Command) string {
	return strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
}

// argsMistake says in tapewarden's words what is wrong with the arguments
// given to cmd, instead of cobra's "accepts 1 arg(s), received 0".
func argsMistake(cmd *cobra.Command, args []string) string {
	got := "none"
	if len(args) > 0 {
		got = strings.Join(quoteAll(args), " ")
	}
	if !strings.ContainsAny(strings.TrimPrefix(cmd.Use, cmd.Name()), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		return fmt.Sprintf("%s takes no arguments, and was given %s", subPath(cmd), got)
	}
	return fmt.Sprintf("%s was given %s; it is used as: %s", subPath(cmd), argWord(len(args), got), cmd.UseLine())
}

func argWord(n int, got string) string {
	if n == 0 {
		return "no arguments"
	}
	if n == 1 {
		return "one argument, " + got
	}
	return fmt.Sprintf("%d arguments, %s", n, got)
}

func quoteAll(args []string) []string {
	out := make([]string, len(args))
	for i, s := range args {
		out[i] = strconv.Quote(s)
	}
	return out
}

// flagValueErr matches pflag's "invalid argument "x" for "--limit" flag:
// strconv.ParseInt: parsing "x": invalid syntax".
var flagValueErr = regexp.MustCompile(`^invalid argument "(.*)" for "(.*)" flag: (.*)$`)

// flagMistake rewords pflag's errors for people.
func flagMistake(err error) string {
	m := flagValueErr.FindStringSubmatch(err.Error())
	if m == nil {
		return err.Error()
	}
	name := m[2]
	if i := strings.LastIndex(name, "--"); i >= 0 {
		name = name[i:]
	}
	switch {
	case strings.Contains(m[3], "ParseInt"), strings.Contains(m[3], "ParseUint"), strings.Contains(m[3], "Atoi"):
		return fmt.Sprintf("%s %q: give a whole number", name, m[1])
	case strings.Contains(m[3], "ParseBool"):
		return fmt.Sprintf("%s %q: give true or false", name, m[1])
	case strings.Contains(m[3], "ParseDuration"), strings.Contains(m[3], "time:"):
		return fmt.Sprintf("%s %q: give a duration such as 90s, 15m or 2h", name, m[1])
	}
	return fmt.Sprintf("%s %q: %s", name, m[1], m[3])
}
