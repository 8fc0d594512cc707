#!/bin/sh
# Builds the config fuzzer (libFuzzer + ASan + UBSan, clang) outside the
# source tree and runs it: tests/fuzz/run.sh [SECONDS] (default 60).
# Exits non-zero when the fuzzer finds a crash, a leak or undefined
# behaviour; the input that did it is left in the build directory.
# PYFPM_FUZZ_DIR chooses the build directory (default $TMPDIR/pyfpm-fuzz);
# the corpus grown there is reused by the next run.
set -eu

secs=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${PYFPM_FUZZ_DIR:-${TMPDIR:-/tmp}/pyfpm-fuzz}
CC=${FUZZ_CC:-clang}

mkdir -p "$build/corpus"
# shellcheck disable=SC2046
$CC -std=gnu11 -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -Wall -Wextra -Werror -Wno-unused-parameter \
    -I"$top" $(pkg-config --cflags yaml-0.1) \
    -o "$build/fuzz_config" \
    "$here/fuzz_config.c" "$top"/common/*.c "$top"/config/*.c \
    $(pkg-config --libs yaml-0.1) -pthread

cd "$build"
status=0
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
ASAN_OPTIONS=detect_leaks=1 \
"$build/fuzz_config" -max_total_time="$secs" -timeout=10 \
    -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
    -dict="$here/yaml.dict" -artifact_prefix="$build/" \
    "$build/corpus" "$here/corpus" || status=$?
if [ "$status" -ne 0 ]; then
	echo "fuzz: failed (exit $status); see $build/crash-* etc." >&2
	exit 1
fi
echo "fuzz: no crash in ${secs}s; corpus in $build/corpus"
