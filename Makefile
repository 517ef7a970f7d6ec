# A thin wrapper: CMake does the build, ctest runs the tests.
#   make deps    install the Debian packages quarry needs (scripts/install-deps)
#   make build   configure (once) and build into build/
#   make demo    index corpus/ and ask it a question
#   make test    run every test, then again under ASan and UBSan, then each
#                fuzz target briefly, then the tests and the programs under
#                valgrind (make valgrind-quick)
#   make fuzz    run every fuzz target for FUZZ_SECONDS (default 60) each
#   make valgrind  every test, and every program they run, under valgrind
#                (slow: half an hour on two cores)
#   make eval    ranking quality on every judged collection of ../shared/data
#                (bench/run-eval, docs/quality.md)
#   make lint    cppcheck and clang-tidy over the project's code, and no
#                two files calling into each other (scripts/file-cycles)
#   make clean   remove the build directories

BUILD_DIR := build
ASAN_DIR := build-asan
FUZZ_DIR := build-fuzz
LINT_DIR := build-lint
FUZZ_SECONDS := 60
FUZZ_SMOKE_SECONDS := 15
JOBS := $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build demo test clean fuzz fuzz-build valgrind \
	valgrind-quick lint eval

all: build

deps:
	@./scripts/install-deps

# Configuring only once keeps any options the user added to build/ by hand.
build:
	@if [ ! -f $(BUILD_DIR)/CMakeCache.txt ]; then \
		cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo; \
	fi
	cmake --build $(BUILD_DIR) -j$(JOBS)

# Sub-makes keep the steps in order even under make -j.
demo: deps
	@$(MAKE) --no-print-directory build
	./$(BUILD_DIR)/indexer/indexer -d $(BUILD_DIR)/demo-index corpus
	./$(BUILD_DIR)/query/query -d $(BUILD_DIR)/demo-index who stole cryptocurrency

test: deps
	@$(MAKE) --no-print-directory build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j2
	cmake -S . -B $(ASAN_DIR) -DQUARRY_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(ASAN_DIR) -j$(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --test-dir $(ASAN_DIR) --output-on-failure -j2
	@$(MAKE) --no-print-directory fuzz-build
	ctest --test-dir $(FUZZ_DIR) -L fuzz --output-on-failure -j2
	@$(MAKE) --no-print-directory valgrind-quick

# The fuzz targets (tests/fuzz), built with clang, libFuzzer and the
# sanitizers. `make fuzz` runs each for FUZZ_SECONDS, one after the other;
# what they learn stays in $(FUZZ_DIR)/runs for the next run.
fuzz-build: deps
	cmake -S . -B $(FUZZ_DIR) -DQUARRY_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
		-DQUARRY_FUZZ_SMOKE_SECONDS=$(FUZZ_SMOKE_SECONDS)
	cmake --build $(FUZZ_DIR) --target quarry_fuzzers -j$(JOBS)

fuzz: fuzz-build
	@for bin in $(FUZZ_DIR)/tests/fuzz/fuzz_*; do \
		[ -x "$$bin" ] || continue; \
		name=$${bin##*/fuzz_}; \
		echo "fuzz: $$name for $(FUZZ_SECONDS) s"; \
		tests/fuzz/run-fuzzer "$$bin" "$$name" $(FUZZ_SECONDS) \
			$(FUZZ_DIR)/runs || exit 1; \
	done

# memcheck over every test of $(BUILD_DIR); the programs the CLI tests start
# run under valgrind too (QUARRY_TEST_WRAPPER, read by tests/cli.h). Any
# error or leak fails the run; the programs' reports are kept in
# $(BUILD_DIR)/valgrind, the tests' in $(BUILD_DIR)/Testing/Temporary.
# Processes a test forks without exec are not reported: they exit holding
# the test's own allocations. Tests labelled novalgrind (too slow there) are
# left out.
VALGRIND_OPTS := --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible \
	--suppressions=$(CURDIR)/tests/valgrind.supp
valgrind: build
	rm -rf $(BUILD_DIR)/valgrind $(BUILD_DIR)/Testing/Temporary/MemoryChecker.*
	mkdir -p $(BUILD_DIR)/valgrind
	QUARRY_TEST_WRAPPER="valgrind -q $(VALGRIND_OPTS) --log-file=$(CURDIR)/$(BUILD_DIR)/valgrind/%p.log" \
		ctest --test-dir $(BUILD_DIR) -T memcheck -LE novalgrind \
		--output-on-failure -j2 --overwrite \
		"MemoryCheckCommandOptions=$(VALGRIND_OPTS) --child-silent-after-fork=yes"
	@if find $(BUILD_DIR)/valgrind -type f -size +0 | grep -q .; then \
		cat $$(find $(BUILD_DIR)/valgrind -type f -size +0); exit 1; fi
	@if grep -l 'ERROR SUMMARY: [1-9]' \
		$(BUILD_DIR)/Testing/Temporary/MemoryChecker.*.log; then \
		echo "valgrind: errors in the logs above"; exit 1; fi

# What `make test` runs under valgrind in a few minutes: every test program
# itself under memcheck (the programs they start run natively; big inputs
# shrink under valgrind, tests/scale.h), then indexer and query under
# memcheck once through each of their paths (tests/valgrind-programs).
valgrind-quick: build
	rm -rf $(BUILD_DIR)/Testing/Temporary/MemoryChecker.*
	ctest --test-dir $(BUILD_DIR) -T memcheck -LE 'novalgrind|quality' \
		--output-on-failure -j2 --overwrite \
		"MemoryCheckCommandOptions=$(VALGRIND_OPTS) --child-silent-after-fork=yes"
	@if grep -l 'ERROR SUMMARY: [1-9]' \
		$(BUILD_DIR)/Testing/Temporary/MemoryChecker.*.log; then \
		echo "valgrind: errors in the logs above"; exit 1; fi
	tests/valgrind-programs $(BUILD_DIR)

lint: build
	./scripts/lint $(LINT_DIR) $(BUILD_DIR)

# Every candidate ranking on every judged collection, the rule for defaults
# and its leave-one-collection-out check; indexes are kept in
# $(BUILD_DIR)/eval-cache between runs.
eval: build
	bench/run-eval $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR) $(LINT_DIR)

# Speed and size against SQLite FTS5 and Xapian's simpleindex and quest, on
# the Wikipedia sample of ../shared/data (docs/performance.md). The packages
# only the benchmarks need come from bench/install-deps.
#   make bench        the table: build time, size, memory, query latency
#   make bench-scale  index time and latency at 1x to 16x the sample, plotted
#   make bench-budget where one query's time goes, at 8x and 16x the sample
#   make bench-memory  the indexer's peak RSS on inputs built to make it grow
.PHONY: bench bench-scale bench-budget bench-build bench-memory
bench-build: deps
	@./bench/install-deps
	@$(MAKE) --no-print-directory build
	cmake -S . -B $(BUILD_DIR) > /dev/null
	cmake --build $(BUILD_DIR) -j$(JOBS)

bench: bench-build
	bench/run-bench $(BUILD_DIR)

bench-scale: bench-build
	bench/run-scale $(BUILD_DIR)

bench-budget: bench-build
	bench/run-budget $(BUILD_DIR)

# Needs only the indexer: no bench packages.
bench-memory: build
	bench/run-memory $(BUILD_DIR)
