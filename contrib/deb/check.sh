#!/usr/bin/env bash
# Build the Debian package, lint it, install it onto THIS machine, check
# what it installed, and remove and purge it again. For CI, which runs as
# root on a throwaway Debian 12 machine:
#
#   contrib/deb/check.sh
#
# Installs what it needs (dpkg-dev, lintian, man-db, bash-completion,
# systemd) with apt-get. Refuses to run when tapewarden is already
# installed, or as another user than root. The user and group tapewarden
# stay afterwards, as after any purge of the package.
#
# Exit status 0 when everything passes, 1 otherwise; what failed is printed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

fail=0
problem() { printf 'FAIL: %s\n' "$*"; fail=1; }
ok() { printf 'ok: %s\n' "$*"; }
step() { printf '\n--- %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
	echo "contrib/deb/check.sh installs the package onto this machine and must run as root (CI does)" >&2
	exit 1
fi
if dpkg-query -W -f='${Status}' tapewarden 2>/dev/null | grep -q 'ok installed\|config-files'; then
	echo "tapewarden is already installed here; this check installs and purges its own build. Remove it first: dpkg --purge tapewarden" >&2
	exit 1
fi

step "install the tools (dpkg-dev lintian man-db bash-completion systemd)"
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 \
	dpkg-dev lintian man-db bash-completion systemd >/dev/null

# dpkg, waiting (up to ten minutes) while another apt or dpkg holds its
# lock instead of failing.
dpkg_() {
	local out i
	for i in $(seq 120); do
		if out=$(dpkg "$@" 2>&1); then
			[ -z "$out" ] || printf '%s\n' "$out"
			return 0
		fi
		if grep -q 'lock' <<<"$out" && [ "$i" -lt 120 ]; then
			sleep 5
			continue
		fi
		printf '%s\n' "$out" >&2
		return 1
	done
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tapewarden-debcheck.XXXXXX")
cleanup() {
	# Never leave the package behind, whatever failed.
	if dpkg-query -W -f='${Status}' tapewarden 2>/dev/null | grep -q 'installed\|config-files\|unpacked'; then
		dpkg_ --purge tapewarden >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

step "build"
"$here/build.sh" "$tmp"
deb=$(ls "$tmp"/tapewarden_*.deb)
version=$(dpkg-deb -f "$deb" Version)
commit=$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)

step "lintian"
# Errors and warnings fail; informational tags are shown. The ones that
# remain are overridden in contrib/deb/lintian-overrides with a reason.
if lintian --fail-on error,warning --info --display-info "$deb"; then
	ok "lintian: no errors, no warnings"
else
	problem "lintian reports errors or warnings (above)"
fi

step "install (dpkg -i)"
dpkg_ -i "$deb"
dpkg -L tapewarden | sort >"$tmp/files"

step "check the installed package"
if getent passwd tapewarden >/dev/null; then
	ok "user tapewarden exists ($(id tapewarden))"
	id -nG tapewarden | tr ' ' '\n' | grep -qx tape || problem "user tapewarden is not in the tape group: $(id -nG tapewarden)"
	[ "$(getent passwd tapewarden | cut -d: -f6)" = /var/lib/tapewarden ] || problem "tapewarden's home is not /var/lib/tapewarden"
else
	problem "no user tapewarden after install"
fi
[ "$(stat -c '%U:%G %a' /var/lib/tapewarden 2>/dev/null)" = "tapewarden:tapewarden 750" ] ||
	problem "/var/lib/tapewarden is $(stat -c '%U:%G %a' /var/lib/tapewarden 2>&1), want tapewarden:tapewarden 750"
[ "$(stat -c '%U:%G %a' /etc/tapewarden/tapewarden.yaml 2>/dev/null)" = "root:tapewarden 640" ] ||
	problem "/etc/tapewarden/tapewarden.yaml is $(stat -c '%U:%G %a' /etc/tapewarden/tapewarden.yaml 2>&1), want root:tapewarden 640"
dpkg-query -W -f='${Conffiles}\n' tapewarden | grep -q '^ /etc/tapewarden/tapewarden.yaml ' ||
	problem "/etc/tapewarden/tapewarden.yaml is not a conffile"

out=$(tapewarden --version 2>&1) || problem "tapewarden --version failed: $out"
if grep -qx "tapewarden $version" <<<"$out" && grep -qx "commit: $commit.*" <<<"$out"; then
	ok "tapewarden --version: $(head -1 <<<"$out"), commit ${commit:0:12}"
else
	problem "tapewarden --version does not print version $version and commit $commit:"
	printf '%s\n' "$out" | sed 's/^/    /'
fi
cmp -s <(tapewarden version) <(tapewarden --version) || problem "tapewarden version and --version differ"
tapewarden config check >/dev/null || problem "the installed example configuration does not pass tapewarden config check"

# man renders each page without groff warnings.
for page in tapewarden tapewarden-config-check tapewarden-library-mailslot-insert "5 tapewarden.yaml"; do
	# shellcheck disable=SC2086
	if ! text=$(MANWIDTH=80 man --warnings -P cat $page 2>"$tmp/man.err"); then
		problem "man $page: $(cat "$tmp/man.err")"
	elif [ -s "$tmp/man.err" ]; then
		problem "man $page renders with warnings:"
		sed 's/^/    /' "$tmp/man.err"
	elif ! grep -q "^NAME" <<<"$text"; then
		problem "man $page has no NAME section"
	else
		ok "man $page renders ($(wc -l <<<"$text") lines)"
	fi
done
pages=$(grep -c '^/usr/share/man/man1/tapewarden.*\.1\.gz$' "$tmp/files")
commands=$(tapewarden __complete "" 2>/dev/null | grep -vc '^:')
ok "$pages section 1 pages for $commands top-level commands"

# Bash completion: load it as bash-completion does and complete "tapewarden con".
reply=$(bash -c '
	source /usr/share/bash-completion/bash_completion
	source /usr/share/bash-completion/completions/tapewarden
	COMP_WORDS=(tapewarden con); COMP_CWORD=1; COMP_LINE="tapewarden con"; COMP_POINT=${#COMP_LINE}
	__start_tapewarden tapewarden con tapewarden
	printf "%s\n" "${COMPREPLY[@]}"' 2>&1) || true
if grep -qx "config" <<<"$reply"; then
	ok "bash completion completes 'tapewarden con' to config"
else
	problem "bash completion of 'tapewarden con' gave: $reply"
fi
for f in /usr/share/zsh/vendor-completions/_tapewarden /usr/share/fish/vendor_completions.d/tapewarden.fish; do
	[ -s "$f" ] || problem "$f is missing or empty"
done

# systemd-analyze verify on the installed units, with the installed binary.
set +e
analyze=$(SYSTEMD_LOG_COLOR=0 systemd-analyze verify /lib/systemd/system/tapewarden.service /lib/systemd/system/tapewarden.socket 2>&1)
rc=$?
set -e
if [ "$rc" -ne 0 ] || grep -q 'tapewarden' <<<"$analyze"; then
	problem "systemd-analyze verify (status $rc):"
	printf '%s\n' "$analyze" | sed 's/^/    /'
else
	ok "systemd-analyze verify: the installed units"
fi

step "upgrade over itself: the postinst runs again, an edited conffile is kept"
echo "# edited on this machine" >>/etc/tapewarden/tapewarden.yaml
dpkg_ -i "$deb" >/dev/null
tail -1 /etc/tapewarden/tapewarden.yaml | grep -qx "# edited on this machine" ||
	problem "reinstalling replaced the edited /etc/tapewarden/tapewarden.yaml"
[ "$(stat -c '%U:%G %a' /etc/tapewarden/tapewarden.yaml)" = "root:tapewarden 640" ] ||
	problem "after reinstalling, /etc/tapewarden/tapewarden.yaml is $(stat -c '%U:%G %a' /etc/tapewarden/tapewarden.yaml)"
ok "reinstall keeps the edited configuration"

# A catalog the daemon would have written: the upgrade fixture.
fixture=$(ls "$repo"/testdata/catalog/*.db 2>/dev/null | tail -1 || true)
if [ -n "$fixture" ]; then
	install -m 0640 -o tapewarden -g tapewarden "$fixture" /var/lib/tapewarden/catalog.db
else
	install -m 0640 -o tapewarden -g tapewarden /dev/null /var/lib/tapewarden/catalog.db
fi
sum=$(sha256sum </var/lib/tapewarden/catalog.db)

step "remove (dpkg -r)"
dpkg_ -r tapewarden
left=()
while read -r f; do
	case "$f" in
	/etc/tapewarden/tapewarden.yaml) [ -e "$f" ] || problem "dpkg -r removed the conffile $f (only a purge should)" ;;
	*)
		# Directories stay when something else uses them; /lib itself is a
		# symlink to usr/lib on a merged-/usr system.
		if [ -f "$f" ] || { [ -L "$f" ] && [ ! -d "$f" ]; }; then left+=("$f"); fi
		;;
	esac
done <"$tmp/files"
[ "${#left[@]}" -eq 0 ] || problem "dpkg -r left files behind: ${left[*]}"
[ "${#left[@]}" -eq 0 ] && ok "dpkg -r removed every file it installed but the conffile"

step "purge (dpkg -P): the configuration goes, the catalog stays"
dpkg_ -P tapewarden
[ ! -e /etc/tapewarden ] || problem "dpkg -P left /etc/tapewarden: $(ls -A /etc/tapewarden)"
if [ "$(sha256sum </var/lib/tapewarden/catalog.db 2>/dev/null)" = "$sum" ]; then
	ok "the catalog /var/lib/tapewarden/catalog.db is untouched after the purge"
else
	problem "the purge changed or removed /var/lib/tapewarden/catalog.db"
fi

step "purge with TAPEWARDEN_PURGE_CATALOG=yes deletes the catalog"
dpkg_ -i "$deb" >/dev/null
TAPEWARDEN_PURGE_CATALOG=yes dpkg_ -P tapewarden
[ ! -e /var/lib/tapewarden ] || problem "TAPEWARDEN_PURGE_CATALOG=yes dpkg -P left /var/lib/tapewarden"
[ ! -e /var/lib/tapewarden ] && ok "TAPEWARDEN_PURGE_CATALOG=yes dpkg -P deleted /var/lib/tapewarden"

if [ "$fail" -ne 0 ]; then
	echo "contrib/deb: FAILED"
	exit 1
fi
echo "contrib/deb: $(basename "$deb") builds, passes lintian, installs, works, removes and purges"
