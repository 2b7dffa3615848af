package auth

import (
	"sync"
	"time"
)

// throttle counts failed sign-ins per key (an account, an address) and
// refuses further tries for a while once there are too many: a minute at
// first, doubling with each further failure, at most an hour. A key with
// no failure for an hour is forgotten.
type throttle struct {
	limit int
	now   func() time.Time

	mu      sync.Mutex
	strikes map[string]*strike
}

type strike struct {
	failures int
	last     time.Time
	until    time.Time
}

const (
	throttleFirst  = time.Minute
	throttleMax    = time.Hour
	throttleForget = time.Hour
	// throttleKeys bounds the memory an attacker can make the daemon use.
	throttleKeys = 10000
)

func newThrottle(limit int, now func() time.Time) *throttle {
	return &throttle{limit: limit, now: now, strikes: map[string]*strike{}}
}

// blocked returns until when key is refused, if it is now.
func (t *throttle) blocked(key string) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.strikes[key]
	if !ok {
		return time.Time{}, false
	}
	if now := t.now(); now.Before(s.until) {
		return s.until, true
	}
	return time.Time{}, false
}

// fail counts a failure for key.
func (t *throttle) fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if len(t.strikes) >= throttleKeys {
		for k, s := range t.strikes {
			if now.Sub(s.last) > throttleForget {
				delete(t.strikes, k)
			}
		}
	}
	s, ok := t.strikes[key]
	if !ok || now.Sub(s.last) > throttleForget {
		s = &strike{}
		t.strikes[key] = s
	}
	s.failures++
	s.last = now
	if over := s.failures - t.limit; over >= 0 {
		wait := throttleFirst << min(over, 6)
		s.until = now.Add(min(wait, throttleMax))
	}
}

// reset forgets key's failures (after a sign-in that succeeded).
func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.strikes, key)
}
