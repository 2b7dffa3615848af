package media

import (
	"encoding/json"
	"strings"
	"time"
)

// RunLog is a run's log as it is stored: lines, each "TIME TEXT" with
// TIME in RFC 3339 (older lines: "2006-01-02 15:04:05"). As JSON it is a
// list of LogLine.
type RunLog string

// LogLine is one line of a run's log.
type LogLine struct {
	// At is when the line was written; zero for a line without a time
	// (a truncation notice, or a line from before times had a zone).
	At   time.Time `json:"at,omitzero"`
	Text string    `json:"text"`
}

// LogLinePrefix is the time a run log line starts with.
func LogLinePrefix(t time.Time) string { return t.Format(time.RFC3339) + " " }

// Lines splits the log into its lines.
func (l RunLog) Lines() []LogLine {
	var out []LogLine
	for _, line := range strings.Split(strings.TrimRight(string(l), "\n"), "\n") {
		if line == "" {
			continue
		}
		ll := LogLine{Text: line}
		if stamp, text, ok := strings.Cut(line, " "); ok {
			if t, err := time.Parse(time.RFC3339, stamp); err == nil {
				ll = LogLine{At: t, Text: text}
			}
		}
		out = append(out, ll)
	}
	return out
}

// MarshalJSON writes the log as a list of lines.
func (l RunLog) MarshalJSON() ([]byte, error) {
	lines := l.Lines()
	if lines == nil {
		lines = []LogLine{}
	}
	return json.Marshal(lines)
}

// UnmarshalJSON reads a list of lines (or a plain string).
func (l *RunLog) UnmarshalJSON(data []byte) error {
	var s string
	if json.Unmarshal(data, &s) == nil {
		*l = RunLog(s)
		return nil
	}
	var lines []LogLine
	if err := json.Unmarshal(data, &lines); err != nil {
		return err
	}
	var b strings.Builder
	for _, ll := range lines {
		if !ll.At.IsZero() {
			b.WriteString(LogLinePrefix(ll.At))
		}
		b.WriteString(ll.Text)
		b.WriteByte('\n')
	}
	*l = RunLog(b.String())
	return nil
}
