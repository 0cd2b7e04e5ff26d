# Shortcuts for the scripts under scripts/.
.PHONY: build test run fuzz

build:
	./scripts/build.sh

test:
	./scripts/test.sh

run:
	./scripts/run.sh

# Runs every libFuzzer target for FUZZ_SECONDS (default 60) each.
fuzz:
	./scripts/fuzz.sh
