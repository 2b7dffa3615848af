#!/usr/bin/env bash
# Build the Debian package tapewarden_VERSION_ARCH.deb from this checkout
# with dpkg-deb: no packaging tool beyond what every Debian machine has.
#
#   contrib/deb/build.sh [OUTDIR]        (make deb: OUTDIR is the repository)
#
# VERSION is the newest entry of contrib/deb/changelog. The binary is built
# with the version, the commit and the commit's date linked in
# (tapewarden version prints them); SOURCE_DATE_EPOCH, when set, is the
# date instead, and it dates the man pages. Needs Go and gcc (SQLite is
# linked through cgo), dpkg-deb, gzip; dpkg-shlibdeps (dpkg-dev) to
# compute the libc dependency, with a fixed libc6 (>= 2.34) without it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$(cd "${1:-$repo}" && pwd)

die() { printf 'contrib/deb/build.sh: %s\n' "$*" >&2; exit 1; }
for tool in go dpkg-deb dpkg gzip; do
	command -v "$tool" >/dev/null || die "$tool not found (Debian: apt-get install dpkg gzip; Go from go.dev)"
done

version=$(sed -n '1s/^tapewarden (\([^)]*\)).*/\1/p' "$here/changelog")
[ -n "$version" ] || die "no version in the first line of $here/changelog (expected 'tapewarden (X.Y.Z) ...')"
arch=$(dpkg --print-architecture)
goarch=$(go env GOARCH)
case "$arch/$goarch" in
amd64/amd64 | arm64/arm64 | i386/386 | armhf/arm | ppc64el/ppc64le | s390x/s390x | riscv64/riscv64) ;;
*) die "Debian architecture $arch does not match GOARCH $goarch" ;;
esac

commit=unknown
if git -C "$repo" rev-parse --verify -q HEAD >/dev/null 2>&1; then
	commit=$(git -C "$repo" rev-parse HEAD)
	if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
		commit="$commit-dirty"
	fi
	: "${SOURCE_DATE_EPOCH:=$(git -C "$repo" log -1 --format=%ct)}"
fi
: "${SOURCE_DATE_EPOCH:=$(date +%s)}"
export SOURCE_DATE_EPOCH
date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)

work=$(mktemp -d "${TMPDIR:-/tmp}/tapewarden-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
pkg=tapewarden_${version}_${arch}.deb

# The binary: stripped, position-independent, full RELRO, the distribution's
# hardening flags for the C parts (SQLite) when dpkg-buildflags is there.
if command -v dpkg-buildflags >/dev/null; then
	export DEB_BUILD_MAINT_OPTIONS=hardening=+all
	CGO_CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
	CGO_LDFLAGS="$(dpkg-buildflags --get LDFLAGS)"
	export CGO_CFLAGS CGO_LDFLAGS
fi
install -d "$root/usr/bin"
(cd "$repo" && CGO_ENABLED=1 go build -trimpath -buildmode=pie \
	-ldflags "-s -w -bindnow -X main.version=$version -X main.commit=$commit -X main.buildDate=$date" \
	-o "$root/usr/bin/tapewarden" ./cmd/tapewarden)
bin=$root/usr/bin/tapewarden
# -s -w left the symbol table and DWARF out; the C compiler's .comment
# section is of no use either.
if command -v strip >/dev/null; then
	strip --remove-section=.comment "$bin"
fi

# Files copied from the checkout: source, destination, mode.
while read -r src dst mode; do
	install -D -m "$mode" "$repo/$src" "$root/$dst"
done <<'FILES'
contrib/systemd/tapewarden.service          lib/systemd/system/tapewarden.service                  0644
contrib/systemd/tapewarden.socket           lib/systemd/system/tapewarden.socket                   0644
contrib/deb/sysusers.conf                   usr/lib/sysusers.d/tapewarden.conf                     0644
contrib/deb/tmpfiles.conf                   usr/lib/tmpfiles.d/tapewarden.conf                     0644
contrib/udev/60-tapewarden.rules            lib/udev/rules.d/60-tapewarden.rules                   0644
contrib/modules-load.d/tapewarden.conf      usr/lib/modules-load.d/tapewarden.conf                 0644
contrib/examples/tapewarden.yaml            etc/tapewarden/tapewarden.yaml                         0644
contrib/prometheus/alerts.yml               usr/share/tapewarden/prometheus/alerts.yml             0644
contrib/grafana/tapewarden.json             usr/share/tapewarden/grafana/tapewarden.json           0644
README.md                                   usr/share/doc/tapewarden/README.md                     0644
contrib/README.md                           usr/share/doc/tapewarden/README.contrib.md             0644
contrib/examples/demo.yaml                  usr/share/doc/tapewarden/examples/demo.yaml            0644
contrib/deb/copyright                       usr/share/doc/tapewarden/copyright                     0644
FILES
install -D -m 0644 /dev/null "$root/usr/share/doc/tapewarden/changelog"
cp "$here/changelog" "$root/usr/share/doc/tapewarden/changelog"
gzip -9n "$root/usr/share/doc/tapewarden/changelog"

# Man pages: tapewarden(1) and one per subcommand from the command tree,
# and the hand-written tapewarden.yaml(5).
"$bin" gendocs --man "$root/usr/share/man/man1"
install -D -m 0644 "$here/tapewarden.yaml.5" "$root/usr/share/man/man5/tapewarden.yaml.5"
find "$root/usr/share/man" -type f -name '*.[15]' -exec chmod 0644 {} + -exec gzip -9n {} +

# Completion, where bash-completion, zsh and fish look for it.
install -d "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
	"$root/usr/share/fish/vendor_completions.d"
"$bin" completion bash >"$root/usr/share/bash-completion/completions/tapewarden"
"$bin" completion zsh >"$root/usr/share/zsh/vendor-completions/_tapewarden"
"$bin" completion fish >"$root/usr/share/fish/vendor_completions.d/tapewarden.fish"

# Lintian overrides, with the reason for each in the file.
install -D -m 0644 "$here/lintian-overrides" "$root/usr/share/lintian/overrides/tapewarden"

# The library dependency, from the binary's ELF dependencies.
shlibs="libc6 (>= 2.34)"
if command -v dpkg-shlibdeps >/dev/null; then
	mkdir -p "$work/src/debian"
	printf 'Source: tapewarden\n\nPackage: tapewarden\nArchitecture: any\n' >"$work/src/debian/control"
	line=$(cd "$work/src" && dpkg-shlibdeps -O "$bin" 2>/dev/null) || die "dpkg-shlibdeps failed on the binary"
	shlibs=${line#shlibs:Depends=}
else
	echo "note: dpkg-shlibdeps (dpkg-dev) not found; Depends has $shlibs"
fi

# Control files.
install -d -m 0755 "$root/DEBIAN"
size=$(du -sk --apparent-size --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@SHLIBS@/$shlibs/" \
	"$here/control.in" >"$root/DEBIAN/control"
echo /etc/tapewarden/tapewarden.yaml >"$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do
	install -m 0755 "$here/$script" "$root/DEBIAN/$script"
done
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z |
	xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

# Everything owned by root, directories 0755, timestamps from
# SOURCE_DATE_EPOCH: the same commit gives the same package.
find "$root" -type d -exec chmod 0755 {} +
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
dpkg-deb --root-owner-group -Zxz --build "$root" "$out/$pkg" >/dev/null
echo "$out/$pkg (tapewarden $version, commit $commit, $date)"
