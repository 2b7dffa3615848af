package rotation

import (
	"fmt"
	"time"
)

// Plural returns "1 cartridge" or "3 cartridges". Words whose plural is not
// the singular with an s give it as many: Plural(2, "entry", "entries").
// Every count a person reads goes through it.
func Plural(n int, singular string, many ...string) string {
	if n == 1 || n == -1 {
		return fmt.Sprintf("%d %s", n, singular)
	}
	if len(many) > 0 {
		return fmt.Sprintf("%d %s", n, many[0])
	}
	return fmt.Sprintf("%d %ss", n, singular)
}

// HumanDuration writes d for a person: "less than a second", "34 seconds",
// "6 minutes 30 seconds", "2 hours 5 minutes", "3 days 4 hours". It keeps
// the two largest units and drops the rest (a duration a person reads is
// never more precise than that), and never prints Go's "1m0s" or "0s".
func HumanDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	if d < time.Second {
		return "less than a second"
	}
	units := []struct {
		size time.Duration
		name string
	}{
		{24 * time.Hour, "day"},
		{time.Hour, "hour"},
		{time.Minute, "minute"},
		{time.Second, "second"},
	}
	var out string
	for i, u := range units {
		if d < u.size {
			continue
		}
		n := int(d / u.size)
		out = Plural(n, u.name)
		if i+1 < len(units) {
			next := units[i+1]
			if m := int((d % u.size) / next.size); m > 0 {
				out += " " + Plural(m, next.name)
			}
		}
		return out
	}
	return out
}
