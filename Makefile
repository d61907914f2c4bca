# The front door. Every target first installs what is missing (Debian
# packages, scripts/deps.sh), so each works as the first command on a fresh
# Debian 12 machine.
#
#   make            build everything into build/
#   make demo       run the demo against a real rtmd
#   make test       build, then run every test through ctest
#   make install    install headers, librtm, rtm.pc, the CMake package and
#                   the binaries under PREFIX (default /usr/local)

BUILD_DIR ?= build
PREFIX ?= /usr/local
CMAKE_FLAGS ?=
CTEST_FLAGS ?= --output-on-failure -j2 --timeout 300

.PHONY: all deps configure build demo test install clean

all: build

deps:
	@./scripts/deps.sh

configure: deps
	@if [ ! -f $(BUILD_DIR)/build.ninja ]; then \
		cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS); fi

build: configure
	cmake --build $(BUILD_DIR)

demo: build
	./scripts/demo.sh $(BUILD_DIR)

test: build
	cd $(BUILD_DIR) && ctest $(CTEST_FLAGS)

install: build
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD_DIR)
