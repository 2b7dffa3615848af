#!/usr/bin/env bash
# Check the syntax of 60-tapewarden.rules with udev's own rules parser.
#
#   contrib/udev/check.sh
#
# - udev from systemd 254 or later: `udevadm verify` (a full syntax and
#   semantics check of the file).
# - Older udev (Debian 12 ships 252, in the `udev` package): `udevadm test`
#   loads every rules file and reports what it cannot parse. It only reads
#   /etc/udev/rules.d and /lib/udev/rules.d, so the file is shown to it by
#   bind-mounting a directory over /etc/udev/rules.d in a private mount
#   namespace (needs root and unshare); nothing on the machine changes. Its
#   parser is less strict than `udevadm verify` (a missing comma between
#   keys, for one, goes unnoticed).
# - Neither possible: says so and exits 0 without checking anything.
#
# Whether the rules do the right thing on a real drive and changer cannot be
# checked without the hardware; see contrib/README.md for how to test them
# there (udevadm test on the sg device).
#
# Exit status 0 when the check passed or could not run, 1 when it failed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
rules=$here/60-tapewarden.rules
name=$(basename "$rules")

if ! command -v udevadm >/dev/null; then
	echo "SKIPPED: udevadm not found, $name not checked (Debian: apt-get install udev)"
	exit 0
fi

if udevadm verify --help >/dev/null 2>&1; then
	if udevadm verify "$rules"; then
		echo "contrib/udev: $name ok (udevadm verify)"
		exit 0
	fi
	echo "contrib/udev: $name FAILED (udevadm verify)"
	exit 1
fi

if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null || ! unshare -m true 2>/dev/null; then
	echo "SKIPPED: udevadm $(udevadm --version) has no 'verify', and 'udevadm test' needs root and a private mount namespace (unshare -m); $name not checked"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tapewarden-udev.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$rules" "$tmp/"
# Any device will do: the rules files are all parsed before the event runs.
# /sys/class/mem/null exists everywhere, and udevadm test runs no RUN+=
# programs.
out=$(unshare -m sh -c 'mount --bind "$1" /etc/udev/rules.d && udevadm test /sys/class/mem/null' sh "$tmp" 2>&1) || {
	printf '%s\n' "$out" | tail -20
	echo "contrib/udev: FAILED: udevadm test did not run"
	exit 1
}
if ! printf '%s\n' "$out" | grep -q "Reading rules file: /etc/udev/rules.d/$name"; then
	echo "contrib/udev: FAILED: udevadm test did not read $name"
	exit 1
fi
problems=$(printf '%s\n' "$out" | grep -F "/etc/udev/rules.d/$name" | grep -v "Reading rules file" || true)
if [ -n "$problems" ]; then
	printf '%s\n' "$problems" | sed "s#/etc/udev/rules.d/#contrib/udev/#; s/^/FAIL: /"
	echo "contrib/udev: $name FAILED (udevadm test, udev $(udevadm --version))"
	exit 1
fi
echo "contrib/udev: $name ok (parsed by udevadm test, udev $(udevadm --version); 'udevadm verify' needs systemd 254 or later)"
