// Package report owns the read-only pages made from the configuration and
// the catalog: the courier's offsite plan, the rotation calendar, the
// machine-room operator's swap list, the policy check, and the two
// printable documents: the recovery sheet for the day the machine room is
// lost and the procedure document of the standard's table 33, each a
// Document printed as text, HTML or PDF. It also makes
// the courier manifests of a day's plan (ManifestsFromPlan), the one
// page that writes, and only through the catalog's own checks.
//
// It never touches a drive or a library: what it needs of them (the
// drives' cleaning) is handed in through Options. Its errors wrap
// ErrInvalid, ErrNotFound or ErrConflict; the API decides what they mean
// to a client.
package report
