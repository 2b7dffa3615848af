package auth

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrDenied: a wrong name, password, token, code or PIN, or one that
	// expired or was disabled. The message never says which.
	ErrDenied = errors.New("auth: not signed in")
	// ErrThrottled: too many failed sign-ins; a *ThrottledError says when
	// to try again.
	ErrThrottled = errors.New("auth: too many failed sign-ins")
	// ErrInvalid: a request that cannot be right (an unknown role, a short
	// password); it changes nothing.
	ErrInvalid = errors.New("auth: invalid request")
	// ErrForbidden: the caller's role does not allow it.
	ErrForbidden = errors.New("auth: not allowed")
)

// ThrottledError is a sign-in refused without checking it, because of
// earlier failures.
type ThrottledError struct {
	// Until is when sign-ins are accepted again.
	Until time.Time
	// RetryAfter is how long that is from the refusal.
	RetryAfter time.Duration
	// What is throttled: "account NAME", "address A" or "courier code".
	What string
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed sign-ins for %s; try again in %s", e.What, roundUp(e.RetryAfter))
}

// Is makes a ThrottledError match ErrThrottled.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

func roundUp(d time.Duration) time.Duration {
	if d < time.Second {
		return time.Second
	}
	return d.Round(time.Second)
}
