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
	clang libclang-rt-14-dev openmpi-bin libopenmpi-dev
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
	$(BUILD)/clgan train --model dcgan32 --data fashion-mnist --epochs 1 --out runs/dcgan32 --overwrite

# The whole suite, then once more under AddressSanitizer and UndefinedBehaviorSanitizer, every
# label but two:
#  - oclgrind: the oclgrind command preloads its OpenCL runtime into the test process ahead of
#    the ASan runtime, which must come first in the library list, so those programs abort
#    before main; they check kernels, not host code, and run in $(BUILD).
#  - fuzz: fuzz_smoke builds and runs the libFuzzer targets with ASan and UBSan in a build
#    directory of their own (build-fuzz); from $(ASAN) it would do the same work again.
# Kernel tests there run their quick case set on PoCL only (CLGAN_TEST_QUICK, CLGAN_TEST_DEVICES):
# the host code is the same on every device, and full-size shapes under the sanitizers take
# minutes. tests/cli_kill.sh kills its run 10 times instead of 50 (CLGAN_TEST_KILLS): the same
# code paths, the repetitions only add chances to hit rarer moments; tests/cli_mlp.sh averages
# batch-1 Adam over 3 seeds instead of 10 (CLGAN_TEST_QUICK), 190 s of kernel launches there.
ASAN_TEST_ENV = CLGAN_TEST_QUICK=1 CLGAN_TEST_DEVICES=pocl CLGAN_TEST_KILLS=10

test: build oclgrind-icd asan
	@$(BUILD)/clgan devices || true
	cd $(BUILD) && ctest --output-on-failure -j 2 --timeout 900
	cd $(ASAN) && $(ASAN_TEST_ENV) ctest --output-on-failure -j 2 -LE 'oclgrind|fuzz' --timeout 900

# The sanitizer build (tests/lsan.supp: leaks inside driver libraries).
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
