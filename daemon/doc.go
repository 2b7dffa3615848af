// Package daemon wires tapewarden together: configuration, the catalog, the
// drives and libraries, rotation policy, the HTTP API on a unix socket, the
// metrics, and systemd integration. It is the only package that imports the
// others; nothing but cmd imports it.
package daemon
