// Package auth decides who is calling and what they may do.
//
// Roles (Role) are the strings of media.Actor.Role: admin (everything),
// operator (prompts, loads, imports and exports, runs, restores into the
// configured restore directories), courier (the one manifest its code was
// printed for), auditor (read-only: custody log, manifests, reports, audit
// verify, policy check) and viewer (status and metrics). Permits is the
// one rule: a route names the roles it serves, and admin is served
// everywhere.
//
// Accounts are the TCP listener's callers, kept in the catalog: people
// with a password (argon2id, never stored in clear), programs with an API
// token (random, shown once, stored as its SHA-256, with an expiry and a
// role), couriers with a one-time code printed on a manifest plus a PIN
// that locks after repeated failures, and the sessions they sign in to
// (a cookie named CookieName; only its SHA-256 is stored). Failed sign-ins
// are throttled per account and per address (ErrThrottled, with when to
// retry); wrong credentials are ErrDenied.
//
// The unix socket's callers are identified by peer credentials in
// daemon/api; this package gives them their role the same way it gives
// one to a TCP caller.
package auth
