// Package web is the console people use in a browser: operators answer
// prompts and prepare manifests (/ops), couriers scan cartridges on a
// phone (/c), auditors read the custody log (/audit).
//
// Pages are html/template, embedded in the binary with their stylesheet;
// every form works without JavaScript. A page never changes anything on
// GET: every change is a POST behind net/http's CrossOriginProtection,
// checked against the role the route table declares for it, and handed to
// the engine or the catalog under the caller's name, so the audit chain
// records who did it. Who the caller is, signing in and out are not this
// package's: Options.Accounts and Options.Actor supply them (daemon/auth).
//
// The console speaks English and Japanese (daemon/i18n): the configured
// language unless the browser's cookie chooses the other.
//
// Statuses: like daemon/api, the console decides HTTP statuses in one
// table (statuses in errors.go).
package web
