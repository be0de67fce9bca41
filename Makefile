# maskinporten-cpp: the two commands are `make demo` and `make test` (README.md).
# Every target installs missing Debian packages first (scripts/install-deps.sh, idempotent).
# `make demo` builds only the CLI (the demo runs nothing else); `make test` builds everything.
# `make install PREFIX=/opt/mp` and `make package` (Debian packages in build/<preset>/packages/)
# build only what they install.

PRESET ?= release
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
BUILD_DIR := build/$(PRESET)
PREFIX ?= /usr/local

.PHONY: all deps configure build test demo install package bench bench-server bench-agent bench-cluster soak fuzz format asan tsan tsa clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build --preset $(PRESET) -j $(JOBS)

test: build
	ctest --preset $(PRESET) -j $(JOBS)

demo: configure
	@cmake --build --preset $(PRESET) -j $(JOBS) --target maskinporten
	build/bin/maskinporten demo

# The CLI (man pages, systemd units), the libraries (shared and static), headers, the CMake
# package and the pkg-config files, under PREFIX (DESTDIR is honoured).
install: configure
	@cmake --build --preset $(PRESET) -j $(JOBS) --target maskinporten_installables
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)

# maskinporten, libmaskinporten<SOVERSION> and libmaskinporten-dev (.deb), prefix /usr.
package: configure
	@cmake --build --preset $(PRESET) -j $(JOBS) --target maskinporten_installables
	cd $(BUILD_DIR) && cpack -G DEB
	@ls -l $(BUILD_DIR)/packages/*.deb

bench: build
	scripts/bench.sh

# The local Maskinporten's token endpoint under load vs the machine's RSA-3072 signing limit.
bench-server: build
	scripts/bench-server.sh

# The token agent's cache hits over HTTP vs a fixed-body server on the same HTTP layer (16
# connections; targets >= 0.8x and p99 <= 1 ms).
bench-agent: build
	scripts/bench-agent.sh

# One and two `serve` instances on a PostgreSQL registry and a Redis replay store (started by the
# script on loopback) next to one on SQLite, vs the machine's RSA-3072 signing limit.
bench-cluster: build
	scripts/bench-cluster.sh

# Token and admin load on `serve` for SOAK_MINUTES (default 5); fails when its RSS keeps growing.
soak: build
	scripts/soak.sh

fuzz:
	@scripts/install-deps.sh clang
	FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_SLOW_RUNS=$(FUZZ_SLOW_RUNS) FUZZ_JOBS=$(FUZZ_JOBS) FUZZ_ARGS="$(FUZZ_ARGS)" scripts/fuzz.sh $(FUZZ_SECONDS)

# The sanitizer (ASan+UBSan) and clang thread-safety presets, built and tested.
asan:
	@$(MAKE) --no-print-directory PRESET=asan test
# ThreadSanitizer over the multi-threaded suites: the server, the client, the HTTP layer, the agent.
TSAN_SUITES := mp_server_tests mp_client_tests mp_http_tests mp_agent_tests
tsan: deps
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan -j $(JOBS) --target $(TSAN_SUITES)
	@rc=0; for suite in $(TSAN_SUITES); do build/tsan/tests/$$suite || rc=1; done; exit $$rc
tsa:
	@scripts/install-deps.sh clang
	@$(MAKE) --no-print-directory PRESET=clang-tsa test

format:
	@scripts/install-deps.sh clang
	find include src apps tests fuzz bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf build
