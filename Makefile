# woundsim: the two commands a new user types are `make run` (the main job: the 14-day excisional
# wound healed by clot and macrophages and treated with ASC conditioned medium, on the 40 um
# lattice the validation uses) and `make test`. Both install what is missing (GNU GSL from
# Debian's libgsl-dev) and build.

SWIFT ?= swift
# Release builds for everything that runs numerics: the kernels are written without overflow
# checks (unsafe buffers, wrapping arithmetic); exclusivity checks are off in Package.swift.
RELEASE := -c release
# The CPU the run and test builds target: where the CPU has what Haswell (2013) brought (AVX2, FMA,
# BMI, F16C, MOVBE, LZCNT), Swift compiles for it, so vectorised loops use 256-bit registers (the
# 3-D wound's 14 days 6.5 % faster, back to back); elsewhere for the x86-64 baseline.
# The results are the same bits either way: the compiler never fuses a * b + c into one rounding
# unless the code asks for it, and vector width does not change an element's arithmetic (checked:
# the 3-D wound's 228 output files over 14 days; `make test-slurm` compares the static build's sweep, built for
# the baseline, with the local one). The static build for cluster nodes and the benchmark package
# stay on the baseline. CPU_FLAGS= (empty) builds for the baseline here too.
HASWELL_FEATURES := avx2 fma bmi1 bmi2 f16c movbe abm
CPU_FLAGS ?= $(shell f=$$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null); ok=1; \
	for x in $(HASWELL_FEATURES); do echo " $$f " | grep -q " $$x " || ok=0; done; \
	[ "$$(uname -m)" = x86_64 ] && [ $$ok = 1 ] && echo "-Xswiftc -target-cpu -Xswiftc haswell")
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
APT_PACKAGES := libgsl-dev libpng-dev pkg-config

.PHONY: all deps build build-static test test-outputs test-python test-tsan test-slurm test-browser fuzz run verify scenarios test-calibration validate-inflammation validate-mechanics validate-diabetic check-field-dt calibrate-galiano calibrate-inflammation calibrate-contraction calibrate-neutrophils calibrate-neutrophils-joint bench bench-check bench-record bench-history bench-update clean

## run: the main job; RUN_ARGS passes options (e.g. RUN_ARGS="scratch-assay --days 1"). The default
## runs excisional-wound-inflammation-asc-cm (clot, macrophages, oxygen, the splinted skin's
## mechanics, sprouting vessels, the medium) on 250 x 250 sites of 40 um,
## the spacing the validation runs on (VALIDATION.md: its spacing-halving check against the
## bundled 20 um); about a minute on 2 cores, against about 4.5 minutes at 20 um
## (RUN_ARGS=excisional-wound-inflammation-asc-cm).
RUN_ARGS ?= excisional-wound-inflammation-asc-cm --set 'lattice.spacing="40 um"' --set 'lattice.size=[250,250]'
RUN_OUT ?= runs/make-run
run: build
	mkdir -p $(dir $(RUN_OUT))
	.build/release/woundsim run --out $(RUN_OUT) --force $(RUN_ARGS)

all: build

## deps: install the system libraries the package links (apt-get, only when missing)
deps:
	@if ! pkg-config --exists gsl libpng 2>/dev/null; then \
		echo "Installing $(APT_PACKAGES) with apt-get"; \
		$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $(APT_PACKAGES); \
	fi

# The build stamp (git revision, dirty flag, hash of the uncommitted changes) of a scratch path's
# builds, rewritten before each build: SwiftPM runs the BuildStamp plugin's prebuild command only
# when it plans the build afresh (a changed Package.swift; swiftlang/swift-package-manager#5476),
# so an incremental build kept an earlier commit's stamp. The script leaves an unchanged stamp
# untouched (nothing recompiles); before the first build there is none, and the plugin writes it.
stamp = for d in $(1)/plugins/outputs/*/BuildInfo/destination/BuildStamp/Stamp; do \
	if [ -d "$$d" ]; then sh scripts/build-stamp.sh "$(CURDIR)" "$$d" || exit 1; fi; done

## build: release build of the woundsim command
build: deps
	@$(call stamp,.build)
	$(SWIFT) build $(RELEASE) $(CPU_FLAGS) --product woundsim

## build-static: a woundsim that needs no Swift runtime, GSL or libpng on the machine that runs it
## (for cluster nodes; `woundsim sweep slurm --binary .build-static/release/woundsim`). The Swift
## runtime and Foundation are linked statically (--static-swift-stdlib); GSL, libpng and zlib from
## their static archives (Debian's -dev packages ship them), named by pkg-config files of our own that
## point to a folder holding only those; glibc stays shared (any Linux of the same or a newer glibc runs it).
STATIC_LIBS := .build-static/lib
MULTIARCH := $(shell gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
build-static: deps
	mkdir -p $(STATIC_LIBS)
	ln -sf /usr/lib/$(MULTIARCH)/libgsl.a $(STATIC_LIBS)/libgsl.a
	ln -sf /usr/lib/$(MULTIARCH)/libgslcblas.a $(STATIC_LIBS)/libgslcblas.a
	printf 'INPUT(/usr/lib/$(MULTIARCH)/libpng16.a /usr/lib/$(MULTIARCH)/libz.a)\n' > $(STATIC_LIBS)/libpng16.a
	printf 'Name: gsl\nDescription: GSL, static\nVersion: 2\nCflags: %s\nLibs: -L$(CURDIR)/$(STATIC_LIBS) -lgsl -lgslcblas -lm\n' "$$(pkg-config --cflags gsl)" > $(STATIC_LIBS)/gsl.pc
	printf 'Name: libpng\nDescription: libpng, static\nVersion: 1\nCflags: %s\nLibs: -L$(CURDIR)/$(STATIC_LIBS) -lpng16\n' "$$(pkg-config --cflags libpng)" > $(STATIC_LIBS)/libpng.pc
	@$(call stamp,.build-static)
	PKG_CONFIG_PATH=$(CURDIR)/$(STATIC_LIBS) $(SWIFT) build $(RELEASE) --product woundsim --scratch-path .build-static --static-swift-stdlib
	@echo "shared libraries it needs (glibc only):"; ldd .build-static/release/woundsim

## test: every test (unit, verification, end-to-end CLI), release build
## (without testable imports, which no test uses: the modules are then built as `make build` builds
## them, and a build after the tests recompiles nothing)
test: deps
	@$(call stamp,.build)
	$(SWIFT) test $(RELEASE) $(CPU_FLAGS) --disable-swift-testing --disable-testable-imports

## test-outputs: short runs' folders (a dish, skin, skin with depth) opened with numpy and the vtk package (pip), as a user would
test-outputs: build
	python3 -c "import numpy, vtk, yaml" 2>/dev/null || python3 -m pip install -q numpy vtk pyyaml
	rm -rf .build/test-outputs
	.build/release/woundsim run scratch-assay --quiet --days 0.5 --set 'time.snapshot_every="6 h"' --out .build/test-outputs
	python3 Tests/python/check_outputs.py .build/test-outputs
	rm -rf .build/test-outputs-skin
	.build/release/woundsim run excisional-wound-inflammation-control --quiet --days 7 --set 'lattice.size=[120,120]' --set 'wound.diameter="1.2 mm"' \
	    --set 'time.snapshot_every="3.5 d"' --out .build/test-outputs-skin
	python3 Tests/python/check_outputs.py .build/test-outputs-skin
	rm -rf .build/test-outputs-3d
	.build/release/woundsim run excisional-wound-3d --quiet --days 0.25 --set 'lattice.size=[60,60]' --set lattice.dermis_layers=5 \
	    --set 'wound.diameter="0.8 mm"' --set 'wound.depth="70 um"' --set 'time.snapshot_every="3 h"' --out .build/test-outputs-3d
	python3 Tests/python/check_outputs.py .build/test-outputs-3d

## test-python: the Python loader (python/, numpy and pandas) installed with pip from the repository
## and tested against folders the built binary writes
test-python: build
	python3 -m pip install -q ./python
	WOUNDSIM_BIN=$(CURDIR)/.build/release/woundsim python3 -m unittest discover -s python/tests -v

## test-slurm: a sweep through a real Slurm (daemons started by hand on this machine, root; installs
## slurm-wlm and munge when missing), run by the static build staged in the sweep folder, must give
## the same runs.csv and summary.csv as a local run; a failing shard must make the merge say so
test-slurm: build build-static
	bash Tests/slurm/run-sweep-on-slurm.sh

## test-browser: the HTML reports of the main job (after `make run`; a short wound otherwise), of
## a sweep and the benchmark history chart, opened in headless Chromium (installed with apt-get when missing): no console message,
## every image loaded, every chart drawn; screenshots in .build/browser/
test-browser: build
	@if [ ! -f $(RUN_OUT)/report.html ]; then \
		.build/release/woundsim run --quiet --days 2 --set 'time.snapshot_every="12 h"' --out .build/browser-run --force; fi
	rm -rf .build/browser-sweep
	.build/release/woundsim sweep Scenarios/sweeps/cm-dose-scratch.yaml --out .build/browser-sweep --quiet
	mkdir -p .build/bench-history
	.build/release/woundsim bench --history Benchmarks/history.jsonl --out .build/bench-history/history.html
	python3 Tests/browser/check_reports.py .build/browser \
		$$( [ -f $(RUN_OUT)/report.html ] && echo $(RUN_OUT)/report.html || echo .build/browser-run/report.html ) \
		.build/browser-sweep/report.html .build/bench-history/history.html

## fuzz: libFuzzer on the scenario and sweep parsers (Swift's -sanitize=fuzzer, linked with lld),
## seeded from Scenarios/, FUZZ_RUNS inputs; fails on a crash, a leak of time (10 s) or memory.
## A fixed FUZZ_SEED and deterministic hashing (Swift seeds Set and Dictionary per process) cut
## the run-to-run variation, but libFuzzer's schedule still differs a little between runs, so CI
## explores slightly different inputs each time; explore further with FUZZ_SEED and FUZZ_RUNS.
FUZZ_RUNS ?= 30000
FUZZ_SEED ?= 1
fuzz: deps
	$(SWIFT) build $(RELEASE) --product woundsim-fuzz --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer \
		-Xswiftc -DWOUNDSIM_FUZZ -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld
	rm -rf .build-fuzz/corpus && mkdir -p .build-fuzz/corpus && cp Scenarios/*.yaml Scenarios/sweeps/*.yaml .build-fuzz/corpus/
	SWIFT_DETERMINISTIC_HASHING=1 .build-fuzz/release/woundsim-fuzz -runs=$(FUZZ_RUNS) -seed=$(FUZZ_SEED) -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=.build-fuzz/ -print_final_stats=1 .build-fuzz/corpus

## test-tsan: the parallel tests under ThreadSanitizer (release build with -sanitize=thread). The
## bundled scenarios run at 3 threads only (make test compares 1, 2, 3, 5 and 8): the sanitizer
## finds a race from the order of the accesses in any run whose passes share threads, and each run
## is slow under it (1, 2, 3, 5 and 8 took 19 minutes of CI's 60; 1 and 3, 3.6 minutes); they
## cover 3 model hours instead of 6 (the hourly draws and oxygen solves still run twice)
TSAN_TESTS := DiffusionSolverTests|SteadyStateSolverTests.testBitIdenticalAtAnyThreadCount|ThreadInvarianceTests|AgentRuleTests.testInvariantsAndThreadIndependence|AgentRuleTests.testChemotacticDrift
test-tsan: deps
	@$(call stamp,.build-tsan)
	$(SWIFT) build --build-tests $(RELEASE) --sanitize=thread --scratch-path .build-tsan
	TSAN_OPTIONS=halt_on_error=1 WOUNDSIM_TEST_THREAD_COUNTS=3 WOUNDSIM_TEST_HOURS=3 $(SWIFT) test $(RELEASE) --sanitize=thread --scratch-path .build-tsan --skip-build --disable-swift-testing --filter '$(TSAN_TESTS)'

## verify: the numerics against analytic solutions; prints a table, exits 1 on any failure
verify: build
	.build/release/woundsim verify

## test-calibration: the calibration recovers parameters it knows: 20 synthetic data sets made by the
## model (a small keratinocyte scratch) with noise; each 95 % interval must cover its true value in
## at least 80 % of them (about 10-15 minutes on 2 cores)
test-calibration: build
	rm -rf .build/test-calibration
	.build/release/woundsim calibrate recovery Scenarios/calibrations/recovery-scratch.yaml --data-sets 20 --out .build/test-calibration

## validate-inflammation: issues 13 and 14's validation of the clot-and-macrophage wound on the 40 um
## lattice (Scenarios/validation: the untreated wound 21 days, whose first 7 days are also the
## media's control arm; monolayer and spheroid ASC-CM and the monolayer medium without HGF or EGF
## 7 days; the wound without fibroblasts 14 days, with the cells of the control and the two media
## at days 0 and 4; 5 seeds each; about 17 minutes on 2 cores):
## Galiano 2004's control curve, the macrophage time course, the medium's benefit, the factor
## removals, the slower closure without fibroblasts, the wound fibroblasts under each medium,
## the quiescent intact dermis, the wound's vessels and the splinted wound's contraction, each
## with its 95 % CI (scripts/validate-inflammation.py; exits 1 on a missed criterion). A rerun
## reuses the finished runs of the same build (a new build reruns them).
VALIDATION_DIR ?= .build/validation$(if $(VALIDATION_BASE),-$(VALIDATION_BASE))
# VALIDATION_BASE (validate-inflammation): run its sweeps on another bundled scenario built on the
# clot-and-macrophage wound, such as one you add to Scenarios/ and embed (the bundled
# excisional-wound-unsplinted misses the splinted contraction criterion by design): each
# sweep file is copied into $(VALIDATION_DIR) (by default .build/validation-BASE) with its `base:`
# replaced. Empty: the files as they are. validate-mechanics and validate-diabetic refuse it.
VALIDATION_BASE ?=
# VALIDATION_CHECK: extra options of scripts/validate-inflammation.py (--report-vessels reports issue
# 14's vessel criteria instead of checking them, for a base with `cells.endothelial.sprouting: ~`).
VALIDATION_CHECK ?=
# Shell for the validation recipes: `pool A B ...` runs Scenarios/validation/inflammation-A.yaml,
# -B, ... into $(VALIDATION_DIR) by two workers side by side, each with half the cores. Both go
# through the list in its order and each run is claimed by one of them (a sweep's run locks,
# DESIGN.md "Execution"): a worker that finds a sweep's remaining runs taken goes on to the next
# sweep, so no core idles while the other finishes a sweep's last odd run. List the longest runs
# first. Then each sweep's tables (`sweep merge`; the worker that ran its last run wrote them).
VALIDATION_POOL = jobs=$$(( $$(nproc) / 2 )); [ $$jobs -ge 1 ] || jobs=1; \
	pool() { files=; for f in "$$@"; do \
	  file=Scenarios/validation/inflammation-$$f.yaml; \
	  if [ -n "$(VALIDATION_BASE)" ]; then \
	    grep -q '^base: ' $$file || { echo "$$file has no base: line to replace" >&2; return 1; }; \
	    sed 's/^base: .*/base: $(VALIDATION_BASE)/' $$file > $(VALIDATION_DIR)/inflammation-$$f.yaml || return 1; \
	    file=$(VALIDATION_DIR)/inflammation-$$f.yaml; \
	  fi; files="$$files $$file"; \
	done; \
	worker() { for file in $$files; do \
	  .build/release/woundsim sweep run $$file --out $(VALIDATION_DIR)/$$(basename $$file .yaml) --jobs $$jobs --threads 1 --quiet || return 1; \
	done; }; \
	worker & a=$$!; worker & b=$$!; wait $$a; ra=$$?; wait $$b; rb=$$?; test $$ra = 0 && test $$rb = 0 || return 1; \
	for file in $$files; do .build/release/woundsim sweep merge $(VALIDATION_DIR)/$$(basename $$file .yaml) > /dev/null || return 1; done; }
validate-inflammation: build
	mkdir -p $(VALIDATION_DIR)
	@# Longest runs first: 21 d x 5, 14 d x 5, 7 d x 20 (315 run-days, about 158 per core).
	$(VALIDATION_POOL); pool control no-fibroblasts media media-no-hgf media-no-egf
	python3 scripts/validate-inflammation.py $(VALIDATION_DIR)/inflammation-control $(VALIDATION_DIR)/inflammation-media \
	  $(VALIDATION_DIR)/inflammation-media-no-hgf $(VALIDATION_DIR)/inflammation-media-no-egf $(VALIDATION_DIR)/inflammation-no-fibroblasts \
	  $(VALIDATION_CHECK) --json $(VALIDATION_DIR)/inflammation.json

## validate-mechanics: issue 14's contraction and late vessels: the unsplinted wound (Scenarios/
## validation/mechanics-unsplinted.yaml: 5 seeds, 21 d, 40 um; about 5 minutes on 2 cores)
## beside the splinted control that validate-inflammation checks (run first, reusing finished
## runs; a missed criterion there does not stop this one, whose own exit status says it again),
## and the media sweep and its arm without HGF run to 14 days (copies of their files with
## `time.duration` 14 d, the control arm the 21-day control's: every arm's wound vessels below 50 %
## at day 14; about 10 minutes). Not in CI: its 315 run-days would take CI past its hour.
validate-mechanics: build
	@test -z "$(VALIDATION_BASE)" || { echo "VALIDATION_BASE is for validate-inflammation only" >&2; exit 2; }
	-$(MAKE) validate-inflammation VALIDATION_DIR=$(VALIDATION_DIR)
	.build/release/woundsim sweep run Scenarios/validation/mechanics-unsplinted.yaml --out $(VALIDATION_DIR)/mechanics-unsplinted --jobs $$(nproc) --threads 1 --quiet
	for f in media media-no-hgf; do \
	  sed -e 's/^sweep: \(.*\)/sweep: \1-14d/' -e 's/^  time.duration: "7 d"$$/  time.duration: "14 d"/' \
	    Scenarios/validation/inflammation-$$f.yaml > $(VALIDATION_DIR)/vessels-$$f-14d.yaml || exit 1; \
	  grep -q '^  time.duration: "14 d"$$' $(VALIDATION_DIR)/vessels-$$f-14d.yaml || { echo "inflammation-$$f.yaml: no 7 d duration to lengthen" >&2; exit 1; }; \
	  .build/release/woundsim sweep run $(VALIDATION_DIR)/vessels-$$f-14d.yaml --out $(VALIDATION_DIR)/vessels-$$f-14d --jobs $$(nproc) --threads 1 --quiet || exit 1; \
	done
	python3 scripts/validate-inflammation.py $(VALIDATION_DIR)/inflammation-control $(VALIDATION_DIR)/inflammation-media \
	  $(VALIDATION_DIR)/inflammation-media-no-hgf $(VALIDATION_DIR)/inflammation-media-no-egf $(VALIDATION_DIR)/inflammation-no-fibroblasts \
	  --unsplinted $(VALIDATION_DIR)/mechanics-unsplinted --media-14d $(VALIDATION_DIR)/vessels-media-14d $(VALIDATION_DIR)/vessels-media-no-hgf-14d \
	  --json $(VALIDATION_DIR)/mechanics.json

## validate-diabetic: issue 13's db/db criteria and the medium's anti-inflammatory component
## (Scenarios/validation/inflammation-diabetic*.yaml: the db/db wound untreated, under monolayer
## ASC-CM, and under that medium without TGF-beta1 and PGE2, 28 days; the normal wound's media
## sweep and its medium without them, 7 days, whose control is validate-inflammation's 21-day
## untreated wound (run here unless that target ran first); 5 seeds, 40 um; about 45 minutes on 2
## cores):
## the db/db curve against Galiano's, the pro-inflammatory share at day 7, the diabetic benefit
## against the normal one, and the share of it the component carries (scripts/validate-diabetic.py;
## exits 1 on a missed criterion). Not in CI: the model misses some of these (VALIDATION.md), and
## its 630 run-days would take CI past its hour. A rerun reuses the finished runs of the same build.
validate-diabetic: build
	@test -z "$(VALIDATION_BASE)" || { echo "VALIDATION_BASE is for validate-inflammation only" >&2; exit 2; }
	mkdir -p $(VALIDATION_DIR)
	$(VALIDATION_POOL); pool diabetic diabetic-no-anti-inflammatory control media media-no-anti-inflammatory
	python3 scripts/validate-diabetic.py $(VALIDATION_DIR)/inflammation-diabetic $(VALIDATION_DIR)/inflammation-diabetic-no-anti-inflammatory \
	  $(VALIDATION_DIR)/inflammation-media $(VALIDATION_DIR)/inflammation-media-no-anti-inflammatory \
	  --control $(VALIDATION_DIR)/inflammation-control --json $(VALIDATION_DIR)/diabetic.json

## check-field-dt: `time.field_dt` (the fields stepped every 4 min, the cells every 2) against
## every step, on the untreated clot-and-macrophage wound at 20 um (the 3-D wound's model), 14
## days, 4 seeds (Scenarios/validation/field-dt-check.yaml; about 30 minutes on 2 cores):
## paired differences with their 95 % CIs (scripts/field-dt-check.py; exits 1 when closure moves
## by more than 1 percentage point or a wound cell count by more than 5 %). Not in CI (its 112
## run-days at 20 um would take CI past its hour); the bundled 3-D wound relies on it (last run
## 2026-12-07 on the sprouting model: closure within 1 pp, two macrophage counts past the 5 % margin
## with CIs of +-11-48 %; VALIDATION.md).
check-field-dt: build
	mkdir -p $(VALIDATION_DIR)
	.build/release/woundsim sweep run Scenarios/validation/field-dt-check.yaml --out $(VALIDATION_DIR)/field-dt-check --jobs $$(nproc) --threads 1 --quiet
	python3 scripts/field-dt-check.py $(VALIDATION_DIR)/field-dt-check --json $(VALIDATION_DIR)/field-dt-check.json

## calibrate-inflammation: the clot-and-macrophage wound's recruitment and pro-repair EGF-family secretion fitted to Galiano 2004's control curve (20 um lattice, about 30 min on 2 cores)
calibrate-inflammation: build
	.build/release/woundsim calibrate Scenarios/calibrations/galiano-inflammation.yaml --jobs 2 --threads 1

## calibrate-contraction: the skin's effective modulus fitted to Chen 2015's share of closure by contraction in the unsplinted wound (40 um lattice, one seed; about 20 runs of 80-115 s, some 15 minutes on 2 cores)
calibrate-contraction: build
	.build/release/woundsim calibrate Scenarios/calibrations/chen-contraction.yaml --jobs 2 --threads 1

## calibrate-neutrophils: the wound with neutrophils (a prior) fitted to Galiano 2004's control curve through the keratinocytes' lag and speed (40 um lattice, one seed; 33 runs, 31 minutes on 2 cores)
calibrate-neutrophils: build
	.build/release/woundsim calibrate Scenarios/calibrations/neutrophils-galiano.yaml --jobs 2 --threads 1

## calibrate-neutrophils-joint: the wound with neutrophils fitted to Galiano 2004's control curve and Dovi 2003's depletion ratio at once (the traps' EC50, the keratinocytes' lag and speed; 40 um, one seed; not in CI)
calibrate-neutrophils-joint: build
	.build/release/woundsim calibrate Scenarios/calibrations/neutrophils-joint.yaml --jobs 2 --threads 1

## calibrate-galiano: the bundled calibration of the control wound to Galiano 2004's control curve
## (not in CI; under 30 minutes on 2 cores); report in calibrations/galiano-control/report.html
calibrate-galiano: build
	.build/release/woundsim calibrate Scenarios/calibrations/galiano-control.yaml

## scenarios: embed Scenarios/*.yaml into the binary after editing one
scenarios:
	python3 scripts/embed-scenarios.py

## bench: the ordo-one benchmarks (Benchmarks/ is its own package)
bench: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark

## bench-check: run the benchmarks and check allocations against the committed thresholds (a
## count, which does not wobble), then compare the throughput figures, normalised by a reference
## kernel measured in the same process, with the last line of Benchmarks/history.jsonl: fails only
## when one falls more than 25 % below it (in each of 3 measurements)
bench-check: deps build
	cd Benchmarks && $(SWIFT) package benchmark thresholds check --path Thresholds --metric mallocCountTotal --no-progress
	.build/release/woundsim bench --check Benchmarks/history.jsonl

## bench-record: append this commit's line to Benchmarks/history.jsonl (commit it); OLD=path/to/woundsim
## records an older build instead (COMMIT=its revision), its reference kernel measured by this build
bench-record: build
	.build/release/woundsim bench --record Benchmarks/history.jsonl $(if $(OLD),--of-binary $(OLD)) $(if $(COMMIT),--commit $(COMMIT))

## bench-history: the chart of Benchmarks/history.jsonl over commits (.build/bench-history/history.html)
bench-history: build
	mkdir -p .build/bench-history
	.build/release/woundsim bench --history Benchmarks/history.jsonl --out .build/bench-history/history.html

## bench-update: record new thresholds after a deliberate change (commit Benchmarks/Thresholds)
bench-update: deps
	cd Benchmarks && $(SWIFT) package --allow-writing-to-package-directory benchmark thresholds update --path Thresholds

clean:
	rm -rf .build .build-tsan .build-fuzz Benchmarks/.build
