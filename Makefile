# Avrop: `make run` serves the product with demo data against local PostgreSQL and Redis;
# `make test` runs every test against real PostgreSQL and Redis.
GO ?= go
BIN := bin/avrop

# Tests create their own databases through this server URL and use this Redis.
export AVROP_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
export AVROP_TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# `make run` is local development: a built-in JWT secret unless AVROP_JWT_SECRET is set.
RUN_ENV ?= development

.PHONY: build run test test-deps lint fuzz bench clean cluster-test deploy-check

build:
	$(GO) build -o $(BIN) ./cmd/avrop

run: build
	AVROP_ENV=$(RUN_ENV) ./$(BIN) migrate
	AVROP_ENV=$(RUN_ENV) ./$(BIN) seed
	AVROP_ENV=$(RUN_ENV) ./$(BIN) serve

# Browser tests need Debian's chromium and axe-core from npm (the script installs them once);
# PEPPOL tests validate with xmllint against the UBL 2.1 schemas in internal/testenv/testdata
# and with Saxon-HE (Debian's libsaxonhe-java, Java included) against the official schematron.
test-deps:
	@if [ -x frontend/e2e/install.sh ]; then frontend/e2e/install.sh; fi
	@command -v xmllint >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libxml2-utils \
	  || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libxml2-utils)
	@test -f /usr/share/java/Saxon-HE.jar || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsaxonhe-java \
	  || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsaxonhe-java)

test: test-deps
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 40m ./...

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...

# Short fuzzing runs of every parser of outside input (go test runs their seed corpora always).
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# The Kubernetes manifests and compose file, validated offline against k8s.io/api's typed
# structs (deploy/check is a module of its own, so the product carries no Kubernetes deps).
deploy-check:
	cd deploy/check && $(GO) test -count=1 ./...

# A PostgreSQL primary + streaming replica, a three-node Redis Cluster and three `avrop serve`
# behind HAProxy on this machine, under load while one replica, one Redis node and the
# PostgreSQL replica go away (internal/clustertest; README "Running on many machines").
cluster-test:
	@command -v haproxy >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy \
	  || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy)
	$(GO) run ./internal/clustertest

bench:
	@for m in bench/*/main.go; do b=$$(dirname $$m); echo "== $$b"; $(GO) run ./$$b || exit 1; done

clean:
	rm -rf bin screenshots
