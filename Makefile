# Homeward. `make run` serves the demo on http://127.0.0.1:8080; `make test` runs every test
# against real PostgreSQL. See README.md.

# Go from the official tarball lives in /usr/local/go/bin, which a fresh shell may lack.
export PATH := $(PATH):/usr/local/go/bin

GO       ?= go
DATA_DIR ?= $(or $(HOMEWARD_DATA_DIR),.data)

# Debian packages the browser tests need: Chromium at /usr/bin/chromium, and Thai and Khmer fonts.
BROWSER_PACKAGES := chromium fonts-tlwg-loma-otf fonts-khmeros

.PHONY: help run test bench fuzz build lint clean clean-data ensure-postgres ensure-browser ensure-weed ensure-mailpit stop-cluster

help:
	@echo "make run         start the local PostgreSQL under $(DATA_DIR)/, migrate, seed demo data, serve on :8080"
	@echo "make test        every test against real PostgreSQL (and headless Chromium)"
	@echo "make bench       the benchmarks (never part of make test)"
	@echo "make fuzz        each parser fuzz target for 10 minutes (FUZZTIME=), crashers kept in testdata/fuzz"
	@echo "make build       build bin/homeward"
	@echo "make lint        gofmt check and go vet"
	@echo "make clean       stop the local cluster and remove bin/ (keeps $(DATA_DIR)/ and its master key)"
	@echo "make clean-data  stop the local cluster and delete $(DATA_DIR)/ with all local data and the master key"

# Built, then run with exec (rather than `go run`) so that Ctrl-C ends with the program's own exit
# status: `homeward dev` stops the server and the cluster and exits 0.
run: ensure-postgres
	$(GO) build -o bin/homeward ./cmd/homeward
	exec bin/homeward dev

test: ensure-postgres ensure-browser ensure-weed ensure-mailpit
	$(GO) test -count=1 -p 2 -timeout 20m ./...

bench: ensure-weed
	$(GO) test -run '^$$' -bench . -benchmem -count=1 -timeout 30m ./...

# The parsers' fuzz targets, one after another; a crasher is written to the package's testdata/fuzz/
# and replayed by every later `go test` as a regression case.
FUZZTIME ?= 10m
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzCSV$$' -fuzztime $(FUZZTIME) ./internal/imports/
	$(GO) test -run '^$$' -fuzz '^FuzzXLSX$$' -fuzztime $(FUZZTIME) ./internal/imports/
	$(GO) test -run '^$$' -fuzz '^FuzzHTCDS$$' -fuzztime $(FUZZTIME) ./internal/imports/
	$(GO) test -run '^$$' -fuzz '^FuzzComplaints$$' -fuzztime $(FUZZTIME) ./internal/complaints/
	$(GO) test -run '^$$' -fuzz '^FuzzKey$$' -fuzztime $(FUZZTIME) ./internal/romanise/

build:
	$(GO) build -o bin/homeward ./cmd/homeward

lint:
	@files=$$(git ls-files --cached --others --exclude-standard '*.go' | while read -r f; do [ ! -f "$$f" ] || echo "$$f"; done); \
	unformatted=$$([ -z "$$files" ] || gofmt -l $$files); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

ensure-postgres:
	@.ci/ensure-postgres

# SeaweedFS's weed, the S3-compatible server of the object-store tests, built once from its Go
# module and cached outside the repository (~7 minutes the first time, instant afterwards).
ensure-weed:
	@.ci/ensure-weed >/dev/null

# mailpit, the SMTP server the notification tests send their digests through, built once from its
# Go module and cached outside the repository like weed (a minute or two the first time).
ensure-mailpit:
	@.ci/ensure-mailpit >/dev/null

# Installs the browser tests' packages when they are missing and we are root with apt-get;
# otherwise says what is missing and lets the tests report it.
ensure-browser:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing=" chromium"; \
	if command -v dpkg-query >/dev/null 2>&1; then \
		for p in $(filter-out chromium,$(BROWSER_PACKAGES)); do \
			dpkg-query -W -f='$${db:Status-Status}' $$p 2>/dev/null | grep -qx installed || missing="$$missing $$p"; \
		done; \
	fi; \
	[ -n "$$missing" ] || exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "ensure-browser: installing$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get -qq update && apt-get -qq install -y $$missing >/dev/null; \
	else \
		echo "ensure-browser: missing$$missing; the browser tests need them (Debian: sudo apt-get install $(BROWSER_PACKAGES))" >&2; \
	fi

# Stops the local cluster of `make run` if it is running. As root the server runs as the OS user
# postgres; the cluster lives in $(DATA_DIR)/pg (clusters of earlier versions may be in /var/tmp, named
# by $(DATA_DIR)/pg/cluster-location).
stop-cluster:
	@pgdir="$(abspath $(DATA_DIR))/pg"; \
	[ -d "$$pgdir" ] || exit 0; \
	root="$$pgdir"; \
	[ -f "$$pgdir/cluster-location" ] && root=$$(cat "$$pgdir/cluster-location"); \
	[ -f "$$root/data/postmaster.pid" ] || exit 0; \
	bindir=$$(.ci/ensure-postgres --bindir) || { echo "stop-cluster: no pg_ctl found; stop the server in $$root/data by hand" >&2; exit 1; }; \
	as=""; [ "$$(id -u)" != 0 ] || as="runuser -u postgres --"; \
	cd /; \
	$$as "$$bindir/pg_ctl" -D "$$root/data" status >/dev/null 2>&1 || exit 0; \
	echo "stopping the local PostgreSQL in $$root/data"; \
	$$as "$$bindir/pg_ctl" -D "$$root/data" stop -m fast -w

clean: stop-cluster
	rm -rf bin

clean-data: stop-cluster
	@pgdir="$(abspath $(DATA_DIR))/pg"; \
	root="$$pgdir"; \
	[ -f "$$pgdir/cluster-location" ] && root=$$(cat "$$pgdir/cluster-location"); \
	sock=$$(cat "$$root/sockdir" 2>/dev/null || true); \
	case "$$sock" in /tmp/homeward-sock-*) rm -rf "$$sock" ;; esac; \
	case "$$root" in /var/tmp/homeward-pg-*) rm -rf "$$root" ;; esac
	@echo "deleting $(DATA_DIR)/: local databases, credentials and the master key"
	rm -rf "$(DATA_DIR)"
