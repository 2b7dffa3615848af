package rotation

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPlural(t *testing.T) {
	assert.Equal(t, "1 use", Plural(1, "use"))
	assert.Equal(t, "0 uses", Plural(0, "use"))
	assert.Equal(t, "2 members", Plural(2, "member"))
	assert.Equal(t, "1 entry", Plural(1, "entry", "entries"))
	assert.Equal(t, "3 entries", Plural(3, "entry", "entries"))
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                               "less than a second",
		400 * time.Millisecond:          "less than a second",
		time.Second:                     "1 second",
		34 * time.Second:                "34 seconds",
		time.Minute:                     "1 minute",
		6*time.Minute + 30*time.Second:  "6 minutes 30 seconds",
		2*time.Hour + 5*time.Minute + 7: "2 hours 5 minutes",
		26 * time.Hour:                  "1 day 2 hours",
		72*time.Hour + 59*time.Minute:   "3 days",
		-90 * time.Second:               "1 minute 30 seconds",
	} {
		assert.Equal(t, want, HumanDuration(d), "%v", d)
	}
}
