# woundsim: the two commands a new user types are `make run` (the main job: the bundled 14-day
# excisional wound treated with ASC conditioned medium) and `make test`. Both install what is
# missing (GNU GSL from Debian's libgsl-dev) and build.

SWIFT ?= swift
# Release builds for everything that runs numerics: the kernels are written without overflow
# checks (unsafe buffers, wrapping arithmetic); exclusivity checks are off in Package.swift.
RELEASE := -c release
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
APT_PACKAGES := libgsl-dev libpng-dev pkg-config

.PHONY: all deps build test test-outputs test-tsan test-slurm test-browser fuzz run verify scenarios bench bench-check bench-update clean

## run: the main job; RUN_ARGS passes options (e.g. RUN_ARGS="scratch-assay --days 1")
RUN_ARGS ?=
RUN_OUT ?= runs/make-run
run: build
	.build/release/woundsim run --out $(RUN_OUT) --force $(RUN_ARGS)

all: build

## deps: install the system libraries the package links (apt-get, only when missing)
deps:
	@if ! pkg-config --exists gsl libpng 2>/dev/null; then \
		echo "Installing $(APT_PACKAGES) with apt-get"; \
		$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $(APT_PACKAGES); \
	fi

## build: release build of the woundsim command
build: deps
	$(SWIFT) build $(RELEASE) --product woundsim

## test: every test (unit, verification, end-to-end CLI), release build
test: deps
	$(SWIFT) test $(RELEASE) --disable-swift-testing

## test-outputs: a short run's folder opened with numpy and the vtk package (pip), as a user would
test-outputs: build
	python3 -c "import numpy, vtk, yaml" 2>/dev/null || python3 -m pip install -q numpy vtk pyyaml
	rm -rf .build/test-outputs
	.build/release/woundsim run scratch-assay --quiet --days 0.5 --set 'time.snapshot_every="6 h"' --out .build/test-outputs
	python3 Tests/python/check_outputs.py .build/test-outputs

## test-slurm: a sweep through a real Slurm (daemons started by hand on this machine, root; installs
## slurm-wlm and munge when missing) must give the same runs.csv and summary.csv as a local run
test-slurm: build
	bash Tests/slurm/run-sweep-on-slurm.sh

## test-browser: the HTML reports of the main job (after `make run`; a short wound otherwise) and of
## a sweep, opened in headless Chromium (installed with apt-get when missing): no console message,
## every image loaded, every chart drawn; screenshots in .build/browser/
test-browser: build
	@if [ ! -f $(RUN_OUT)/report.html ]; then \
		.build/release/woundsim run --quiet --days 2 --set 'time.snapshot_every="12 h"' --out .build/browser-run --force; fi
	rm -rf .build/browser-sweep
	.build/release/woundsim sweep Scenarios/sweeps/cm-dose-scratch.yaml --out .build/browser-sweep --quiet
	python3 Tests/browser/check_reports.py .build/browser \
		$$( [ -f $(RUN_OUT)/report.html ] && echo $(RUN_OUT)/report.html || echo .build/browser-run/report.html ) \
		.build/browser-sweep/report.html

## fuzz: libFuzzer on the scenario and sweep parsers (Swift's -sanitize=fuzzer, linked with lld),
## seeded from Scenarios/, FUZZ_RUNS inputs; fails on a crash, a leak of time (10 s) or memory
FUZZ_RUNS ?= 30000
fuzz: deps
	$(SWIFT) build $(RELEASE) --product woundsim-fuzz --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer \
		-Xswiftc -DWOUNDSIM_FUZZ -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld
	rm -rf .build-fuzz/corpus && mkdir -p .build-fuzz/corpus && cp Scenarios/*.yaml Scenarios/sweeps/*.yaml .build-fuzz/corpus/
	.build-fuzz/release/woundsim-fuzz -runs=$(FUZZ_RUNS) -seed=1 -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=.build-fuzz/ -print_final_stats=1 .build-fuzz/corpus

## test-tsan: the parallel tests under ThreadSanitizer (release build with -sanitize=thread)
TSAN_TESTS := DiffusionSolverTests|ThreadInvarianceTests|AgentRuleTests.testInvariantsAndThreadIndependence|AgentRuleTests.testChemotacticDrift
test-tsan: deps
	$(SWIFT) build --build-tests $(RELEASE) --sanitize=thread --scratch-path .build-tsan
	TSAN_OPTIONS=halt_on_error=1 $(SWIFT) test $(RELEASE) --sanitize=thread --scratch-path .build-tsan --skip-build --disable-swift-testing --filter '$(TSAN_TESTS)'

## verify: the numerics against analytic solutions; prints a table, exits 1 on any failure
verify: build
	.build/release/woundsim verify

## scenarios: embed Scenarios/*.yaml into the binary after editing one
scenarios:
	python3 scripts/embed-scenarios.py

## bench: the ordo-one benchmarks (Benchmarks/ is its own package)
bench: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark

## bench-check: run the benchmarks and check allocations against the committed thresholds (a
## count, which does not wobble; wall time on a shared machine does, so it is reported, not gated)
bench-check: deps
	cd Benchmarks && $(SWIFT) package benchmark thresholds check --path Thresholds --metric mallocCountTotal --no-progress

## bench-update: record new thresholds after a deliberate change (commit Benchmarks/Thresholds)
bench-update: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark thresholds update --path Thresholds

clean:
	rm -rf .build .build-tsan .build-fuzz Benchmarks/.build
