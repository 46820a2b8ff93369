# telekit: `make test` is the one command that sets up and runs the whole
# test suite on a fresh Debian machine (as root, or with sudo for apt-get).

GO ?= go

# Programs the interop tests drive, and the Debian package of each.
# Format: program:package, or name.pc:package for a library that pkg-config finds.
DEB_TOOLS := sox:sox lame:lame ffmpeg:ffmpeg sipp:sip-tester baresip:baresip tiffcp:libtiff-tools pdftoppm:poppler-utils \
	gcc:gcc pkg-config:pkg-config spandsp.pc:libspandsp-dev

.PHONY: test deps vet bench lint fuzz

test: deps vet
	TELEKIT_INTEROP=required $(GO) test -timeout 40m ./...

# deps installs the Debian packages the tests need, only when one is missing,
# running `apt-get update` at most once.
deps:
	@missing=""; \
	for pair in $(DEB_TOOLS); do \
		prog=$${pair%%:*}; pkg=$${pair##*:}; \
		case $$prog in \
		*.pc) pkg-config --exists $${prog%.pc} >/dev/null 2>&1 ;; \
		*) command -v $$prog >/dev/null 2>&1 ;; \
		esac || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

vet:
	$(GO) vet ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint: vet
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) run honnef.co/go/tools/cmd/staticcheck@latest ./...

# fuzz runs every fuzz target for FUZZTIME each (default 20s).
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

# loadtest measures the whole PBX under sipp load beside Kamailio (minutes;
# not part of `make test`). LOADTEST_FLAGS passes flags, e.g.
# LOADTEST_FLAGS='-rate 200 -duration 20s -runs 5'.
.PHONY: loadtest
LOADTEST_FLAGS ?=
loadtest:
	@for pair in sipp:sip-tester kamailio:kamailio; do \
		prog=$${pair%%:*}; pkg=$${pair##*:}; \
		command -v $$prog >/dev/null 2>&1 || { \
			SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
			echo "installing $$pkg"; \
			DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$pkg || exit 1; }; \
	done
	$(GO) run ./examples/loadtest $(LOADTEST_FLAGS)

# prompts regenerates the default prompt set (media/prompt/sounds) from the
# list in media/prompt/internal/texts with espeak-ng and sox, installing them
# when missing. CI does not run it: espeak-ng's output varies by version.
.PHONY: prompts
prompts:
	@for pair in espeak-ng:espeak-ng sox:sox; do \
		prog=$${pair%%:*}; pkg=$${pair##*:}; \
		command -v $$prog >/dev/null 2>&1 || { \
			SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
			echo "installing $$pkg"; \
			$$SUDO apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$pkg || exit 1; }; \
	done
	$(GO) generate ./media/prompt
