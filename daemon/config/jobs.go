package config

import (
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/robfig/cron/v3"
)

// cronParser reads job schedules: five fields or a descriptor.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses a job's schedule.
func ParseSchedule(expr string) (cron.Schedule, error) {
	return cronParser.Parse(expr)
}

// SchedulePeriod estimates the interval between runs of a schedule: the
// longest gap among the next few runs after t.
func SchedulePeriod(s cron.Schedule, t time.Time) time.Duration {
	var longest time.Duration
	prev := s.Next(t)
	for range 14 {
		next := s.Next(prev)
		if next.IsZero() {
			break
		}
		longest = max(longest, next.Sub(prev))
		prev = next
	}
	return longest
}

func (c *Config) validateJobs(v *validator, systems, pools map[string]int) {
	seen := map[string]int{}
	for i := range c.Jobs {
		j := &c.Jobs[i]
		f := fmt.Sprintf("jobs[%d]", i)
		v.unique(seen, j.Line, f+".name", "job", j.Name)
		if j.System != "" {
			if _, ok := systems[j.System]; !ok {
				v.fail(j.Line, f+".system", "refers to system %q, which is not defined", j.System)
			}
		}
		if j.Pool == "" {
			v.fail(j.Line, f+".pool", "missing; name the pool the job writes to")
		} else if _, ok := pools[j.Pool]; !ok {
			v.fail(j.Line, f+".pool", "refers to pool %q, which is not defined", j.Pool)
		} else if p := c.Pool(j.Pool); p != nil && p.Scheme == "scratch" {
			v.fail(j.Line, f+".pool", "pool %s is a scratch pool, which only supplies others; write to a rotating pool", j.Pool)
		}
		if j.Schedule != "" {
			if _, err := ParseSchedule(j.Schedule); err != nil {
				v.fail(j.Line, f+".schedule", "%q is not a schedule: %v; write five cron fields (e.g. \"0 22 * * 1-5\") or @daily", j.Schedule, err)
			}
		}
		switch {
		case len(j.Source.Paths) == 0 && len(j.Source.Command) == 0:
			v.fail(j.Line, f+".source", "say what to back up: paths or command")
		case len(j.Source.Paths) > 0 && len(j.Source.Command) > 0:
			v.fail(j.Line, f+".source", "give paths or command, not both")
		}
		for k, p := range j.Source.Paths {
			if !filepath.IsAbs(p) {
				v.fail(j.Line, fmt.Sprintf("%s.source.paths[%d]", f, k), "%q must be an absolute path", p)
			}
		}
		for name := range j.Env {
			if !validEnvName(name) {
				v.fail(j.Line, f+".env", "%q is not a variable name: use letters, digits and _", name)
			}
			if _, dup := j.SecretEnv[name]; dup {
				v.fail(j.Line, f+".env", "%s is in both env and secret_env; keep it in secret_env", name)
			}
		}
		for name, val := range j.SecretEnv {
			if !validEnvName(name) {
				v.fail(j.Line, f+".secret_env", "%q is not a variable name: use letters, digits and _", name)
			}
			if len(val) < 4 {
				v.fail(j.Line, f+".secret_env", "%s: a secret shorter than 4 characters cannot be masked in logs without masking ordinary text", name)
			}
		}
		switch j.Verify {
		case "checksum", "none":
		default:
			v.fail(j.Line, f+".verify", "%q: expected checksum or none", j.Verify)
		}
		for _, d := range j.Drives {
			if c.Drive(d) == nil {
				v.fail(j.Line, f+".drives", "refers to drive %q, which is not defined", d)
			}
		}
		if j.BlockSize != 0 && !validBlockSize(j.BlockSize) {
			v.fail(j.Line, f+".block_size", "%d: expected a multiple of 512 between 512 and 8 MiB", j.BlockSize)
		} else if j.BlockSize != 0 {
			// The virtual drives the job may run on carry 512 KiB per
			// transfer; an st drive's limits are checked at first use.
			for i := range c.Drives {
				dc := &c.Drives[i]
				if dc.Type != "virtual" || len(j.Drives) > 0 && !slices.Contains(j.Drives, dc.Name) {
					continue
				}
				if err := virtualDriveLimits.Check(dc.Name, j.BlockSize); err != nil {
					v.fail(j.Line, f+".block_size", "%v", err)
					break
				}
			}
		}
	}
}

// MaxAge is how old a job's last success may be before it is overdue.
func (c *Config) MaxAge(j *JobConfig, now time.Time) time.Duration {
	if j.MaxAge > 0 {
		return j.MaxAge.D()
	}
	if j.Schedule == "" {
		return 0
	}
	s, err := ParseSchedule(j.Schedule)
	if err != nil {
		return 0
	}
	return SchedulePeriod(s, now.In(c.Location)) + 6*time.Hour
}

// validEnvName says whether s can name an environment variable.
func validEnvName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
