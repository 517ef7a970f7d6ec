# A thin wrapper: CMake does the build, ctest runs the tests.
#   make deps    install the Debian packages quarry needs (scripts/install-deps)
#   make build   configure (once) and build into build/
#   make demo    index corpus/ and ask it a question
#   make test    run every test, then again under ASan and UBSan
#   make clean   remove the build directories

BUILD_DIR := build
ASAN_DIR := build-asan
JOBS := $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build demo test clean

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

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
