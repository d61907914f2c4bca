# The front door. Every target first installs what is missing (Debian
# packages, scripts/deps.sh), so each works as the first command on a fresh
# Debian 12 machine.
#
#   make            build everything into build/
#   make demo       run the demo against a real rtmd
#   make bench      rtm-bench: rtm against mosquitto, NATS and a raw TCP relay,
#                   side by side (docs/BENCHMARKS.md); BENCH_SIZE=quick
#                   (default) or full; writes build/bench/results.json
#   make bench-java the Java events benchmark (java/bench; not a test)
#   make test       build, then run every test through ctest, then the C
#                   suites again under ASan+UBSan and under TSan
#                   (scripts/sanitize.sh; SANITIZE= skips them)
#   make sanitize   only the sanitizer runs (build-asan/, build-tsan/)
#   make fuzz       the libFuzzer targets, FUZZ_SECONDS each (default 60),
#                   in build-fuzz/ (scripts/fuzz.sh); CI runs it after make test
#   make install    install headers, librtm, rtm.pc, the CMake package and
#                   the binaries under PREFIX (default /usr/local)

BUILD_DIR ?= build
PREFIX ?= /usr/local
CMAKE_FLAGS ?=
# The JNI library, the JAR (Gradle, offline) and the Java tests. The JDK is
# the one whose javac is on PATH: jni/CMakeLists.txt derives JAVA_HOME from
# `readlink -f $(which javac)`.
RTM_BUILD_JNI ?= ON
CTEST_FLAGS ?= --output-on-failure -j2 --timeout 300
# The sanitizer runs that make test adds (docs/TESTING.md).
SANITIZE ?= asan tsan
FUZZ_SECONDS ?= 60
BENCH_SIZE ?= quick
# More rtm-bench options, e.g. BENCH_FLAGS="--idle-clients 100000".
BENCH_FLAGS ?=
# Empty: every target (scripts/fuzz.sh lists them).
FUZZ_TARGETS ?=

.PHONY: all deps configure build demo test install clean bench bench-java \
        sanitize sanitize-asan sanitize-tsan fuzz

all: build

deps:
	@./scripts/deps.sh

configure: deps
	@if [ ! -f $(BUILD_DIR)/build.ninja ] || \
	    ! grep -qx 'RTM_BUILD_JNI:BOOL=$(RTM_BUILD_JNI)' $(BUILD_DIR)/CMakeCache.txt; then \
		cmake -S . -B $(BUILD_DIR) -G Ninja -DRTM_BUILD_JNI=$(RTM_BUILD_JNI) $(CMAKE_FLAGS); fi

build: configure
	cmake --build $(BUILD_DIR)

demo: build
	./scripts/demo.sh $(BUILD_DIR)
	@if [ "$(RTM_BUILD_JNI)" = ON ]; then ./scripts/demo-java.sh $(BUILD_DIR); fi

test: build
	cd $(BUILD_DIR) && ctest $(CTEST_FLAGS)
	@for s in $(SANITIZE); do ./scripts/sanitize.sh $$s || exit 1; done

sanitize: sanitize-asan sanitize-tsan

sanitize-asan: deps
	./scripts/sanitize.sh asan

sanitize-tsan: deps
	./scripts/sanitize.sh tsan

fuzz: deps
	./scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

bench: build
	$(BUILD_DIR)/native/bench/rtm-bench --size $(BENCH_SIZE) $(BENCH_FLAGS)
	gnuplot -e "dir='$(BUILD_DIR)/bench'" native/bench/plot.gp
	@echo "plot: $(BUILD_DIR)/bench/benchmarks.png"

bench-java: build
	./java/bench/run.sh $(BUILD_DIR)

# ldconfig makes a new librtm visible at once where the loader looks (as
# /usr/local/lib); for another prefix, see the README (an rpath).
install: build
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)
	@if [ "$$(id -u)" = 0 ]; then ldconfig; fi
	@ldconfig -p | grep -q " => $(PREFIX)/" || \
	  echo "note: the loader does not search $(PREFIX): link programs with -Wl,-rpath,\$$(pkg-config --variable=libdir rtm) (README, Install)"

clean:
	rm -rf $(BUILD_DIR) build-asan build-tsan build-fuzz
