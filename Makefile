# maskinporten-cpp: the two commands are `make demo` and `make test` (README.md).
# Every target installs missing Debian packages first (scripts/install-deps.sh, idempotent).

PRESET ?= release
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60
BUILD_DIR := build/$(PRESET)

.PHONY: all deps build test demo bench bench-server fuzz format asan tsa clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET) -j $(JOBS)

test: build
	ctest --preset $(PRESET) -j $(JOBS)

demo: build
	build/bin/maskinporten demo

bench: build
	scripts/bench.sh

# The local Maskinporten's token endpoint under load vs the machine's RSA-3072 signing limit.
bench-server: build
	scripts/bench-server.sh

fuzz:
	@scripts/install-deps.sh clang
	FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_SLOW_RUNS=$(FUZZ_SLOW_RUNS) scripts/fuzz.sh $(FUZZ_SECONDS)

# The sanitizer (ASan+UBSan) and clang thread-safety presets, built and tested.
asan:
	@$(MAKE) --no-print-directory PRESET=asan test
tsa:
	@scripts/install-deps.sh clang
	@$(MAKE) --no-print-directory PRESET=clang-tsa test

format:
	@scripts/install-deps.sh clang
	find include src apps tests fuzz bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf build
