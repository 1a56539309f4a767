# clgan - top-level wrapper around CMake.
#   make run    install what is missing, build, train dcgan32 on Fashion-MNIST for one epoch
#   make test   install what is missing, build, run the whole test suite (+ sanitizer build;
#               the suite includes fuzz_smoke, 20 s per libFuzzer target)
#   make fuzz   run every libFuzzer target for FUZZ_SECONDS (default 600), JOBS at a time
#   make install PREFIX=/usr/local

BUILD   ?= build
ASAN    ?= build-asan
FUZZ    ?= build-fuzz
FUZZ_SECONDS ?= 600
PREFIX  ?= /usr/local
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
ifeq ($(CI),true)
CMAKE_FLAGS += -DCLGAN_WERROR=ON
endif

PACKAGES = cmake make gcc pkg-config pocl-opencl-icd ocl-icd-opencl-dev opencl-headers \
	libclblast-dev libstb-dev zlib1g-dev libcjson-dev clinfo oclgrind dataset-fashion-mnist \
	clang libclang-rt-14-dev
OCLGRIND_ICD = /etc/OpenCL/vendors/oclgrind.icd

.PHONY: all deps build run test test-fast asan fuzz install clean

all: build

deps:
	@missing=$$(for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:" $$missing; \
	    (apt-get install -y --no-install-recommends $$missing || \
	     (apt-get update && apt-get install -y --no-install-recommends $$missing)) >/dev/null || exit 1; \
	  else \
	    echo "missing packages; run:"; echo "  sudo apt-get install -y" $$missing; exit 1; \
	  fi; \
	fi

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

# Oclgrind's ICD is not registered by Debian; tests want it as a second platform.
oclgrind-icd:
	@if [ ! -e $(OCLGRIND_ICD) ] && [ "$$(id -u)" = 0 ] && [ -e /usr/lib/oclgrind/liboclgrind-rt-icd.so ]; then \
	  echo /usr/lib/oclgrind/liboclgrind-rt-icd.so > $(OCLGRIND_ICD); \
	  echo "registered Oclgrind in $(OCLGRIND_ICD)"; fi

run: build
	$(BUILD)/clgan train --model dcgan32 --data fashion-mnist --epochs 1 --out runs/dcgan32

test: build oclgrind-icd asan
	@$(BUILD)/clgan devices || true
	cd $(BUILD) && ctest --output-on-failure -j 2 --timeout 900
	cd $(ASAN) && ctest --output-on-failure -L unit --timeout 900

# Host-side tests once more under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	@cmake -S . -B $(ASAN) -DCLGAN_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS) >/dev/null
	cmake --build $(ASAN) -j $(JOBS)

# libFuzzer targets (clang, own build directory), each for FUZZ_SECONDS over a copy of its corpus.
fuzz: deps
	fuzz/run.sh -t $(FUZZ_SECONDS) -j $(JOBS) -b $(abspath $(FUZZ)) -w $(abspath $(FUZZ))/long

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ) $(FUZZ)-cov
