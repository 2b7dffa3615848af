#!/usr/bin/env bash
# Check tapewarden.service and tapewarden.socket with `systemd-analyze
# verify`, offline: no running systemd is needed (a container as root is
# fine).
#
#   contrib/systemd/verify.sh
#
# systemd-analyze verify refuses a unit whose ExecStart= binary does not
# exist, so the units are checked from a copy in a temporary directory in
# which /usr/bin/tapewarden, when it is not installed, is replaced by a
# freshly built tapewarden (or /bin/true when there is no Go toolchain).
# With a real binary the ExecStart= command line itself is also checked:
# the subcommand and every flag must be accepted.
#
# systemd-analyze exits 0 even when it ignores a misspelt key or a bad
# value, so any line it prints about these units is a failure.
#
# Also checked: the socket path agrees with api.socket in
# contrib/examples/tapewarden.yaml.
#
# Exit status 0 when everything passes, 1 otherwise; what failed is printed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
units=(tapewarden.service tapewarden.socket)
installed=/usr/bin/tapewarden

fail=0
problem() { printf 'FAIL: %s\n' "$*"; fail=1; }

if ! command -v systemd-analyze >/dev/null; then
	echo "FAIL: systemd-analyze not found (Debian: apt-get install systemd)"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tapewarden-units.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/units"
for u in "${units[@]}"; do
	cp "$here/$u" "$tmp/units/$u"
done

# The binary ExecStart= runs.
bin=$installed
if [ ! -x "$installed" ]; then
	if command -v go >/dev/null && (cd "$repo" && go build -o "$tmp/tapewarden" ./cmd/tapewarden); then
		bin=$tmp/tapewarden
		echo "using a tapewarden built from $repo for ExecStart= ($installed is not installed)"
	else
		bin=/bin/true
		echo "note: $installed is not installed and could not be built; ExecStart= uses /bin/true, its arguments are not checked"
	fi
	sed -i "s#^\(Exec[A-Za-z]*=[-@:+!]*\)$installed\b#\1$bin#" "$tmp/units/tapewarden.service"
fi

# ExecStart='s arguments, checked against the binary: --help after them
# makes cobra parse the subcommand and flags without running anything.
if [ "$bin" != /bin/true ]; then
	mapfile -t execs < <(sed -n 's/^ExecStart=[-@:+!]*//p' "$tmp/units/tapewarden.service")
	if [ "${#execs[@]}" -ne 1 ]; then
		problem "tapewarden.service: expected exactly one ExecStart= line, found ${#execs[@]}"
	else
		read -r -a argv <<<"${execs[0]}"
		if ! out=$("${argv[@]}" --help 2>&1); then
			problem "tapewarden.service: ExecStart= is not accepted by tapewarden: ${execs[0]}"
			printf '%s\n' "$out" | sed 's/^/    /'
		fi
	fi
fi

# systemd-analyze verify. Lines naming another unit (a dependency such as
# network-online.target that is broken on this machine) are shown but are
# not ours to fix.
set +e
out=$(cd "$tmp/units" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify "${units[@]/#/$tmp/units/}" 2>&1)
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
	problem "systemd-analyze verify exited with status $rc"
fi
while IFS= read -r line; do
	[ -z "$line" ] && continue
	case "$line" in
	*tapewarden.service* | *tapewarden.socket* | *"$tmp"*)
		problem "systemd-analyze: ${line//$tmp\/units\//}"
		;;
	*)
		if [ "$rc" -ne 0 ]; then
			echo "systemd-analyze: $line"
		else
			echo "note (not about tapewarden's units): $line"
		fi
		;;
	esac
done <<<"$out"

# For information only: systemd's own rating of the sandbox (systemd 252
# and later can rate a unit file offline).
if exposure=$(systemd-analyze security --offline=true --no-pager "$tmp/units/tapewarden.service" 2>/dev/null | grep -a 'Overall exposure level'); then
	echo "systemd-analyze security: ${exposure#→ }"
fi

# The socket the unit binds is the one the example configuration names.
listen=$(sed -n 's/^ListenStream=//p' "$here/tapewarden.socket")
example=$repo/contrib/examples/tapewarden.yaml
if [ -f "$example" ]; then
	socket=$(sed -n 's/^  socket: *\([^ #]*\).*/\1/p' "$example")
	if [ "$socket" != "$listen" ]; then
		problem "tapewarden.socket listens on '$listen' but $example has api.socket '$socket'"
	fi
fi

if [ "$fail" -ne 0 ]; then
	echo "contrib/systemd: FAILED"
	exit 1
fi
echo "contrib/systemd: ${units[*]} ok (systemd $(systemd-analyze --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p'))"
