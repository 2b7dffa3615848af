# tapewarden — build and test.
#
#   make test    install what the tests need (Debian packages, when run as
#                root and missing), then run the whole test suite
#   make build   build ./tapewarden
#   make check   formatting, vet and staticcheck
#   make race    the race detector over the concurrent packages
#   make deb     the Debian package tapewarden_VERSION_ARCH.deb, here
#                (contrib/deb/build.sh; VERSION from contrib/deb/changelog)

GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
ERRCHECK ?= github.com/kisielk/errcheck@v1.30.0
# Debian packages the tests use: mtx (the changer backend runs the real
# mtx binary), prometheus (promtool tests the alert rules), tar (restores
# are checked with GNU tar), systemd (systemd-analyze verifies the units),
# age (encrypted tape files are decrypted with Debian's age), chromium with
# fonts-noto-cjk and poppler-utils (the web console's browser tests, in
# Japanese too, and the picking list printed to PDF and read back),
# fonts-ipafont-gothic (the Japanese recovery sheet's PDF, read back with
# pdftotext).
DEB_PACKAGES := mtx prometheus tar systemd age chromium fonts-noto-cjk poppler-utils fonts-ipafont-gothic

.PHONY: test build check race deps bench deb

build:
	$(GO) build -o tapewarden ./cmd/tapewarden

deb:
	contrib/deb/build.sh .

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing:$$missing"; \
			DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing >/dev/null || \
			{ apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing >/dev/null; }; \
		else \
			echo "not installed:$$missing (tests that need them will skip and say so; run 'make test' as root to install them)"; \
		fi; \
	fi

test: deps
	$(GO) test ./...

# The long simulations (fourteen nights, ninety days) run in 'make test';
# under the race detector -short leaves them out.
race:
	$(GO) test -race -short ./media/... ./drives/... ./daemon/... ./cmd/...

check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(ERRCHECK) -ignoretests -exclude .errcheck-excludes ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 20x ./media/ ./drives/
