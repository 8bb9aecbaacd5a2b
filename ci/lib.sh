# SPDX-License-Identifier: MIT
# ci/lib.sh: helpers shared by the leg scripts in ci/ and by .ci/run.
#
#     #!/usr/bin/env bash
#     set -euo pipefail
#     source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#     ci_apt_install g++-arm-linux-gnueabihf qemu-user
#     ci_timer_start
#     ci_configure_build armhf                      # cmake --preset armhf, then build with -j$CI_JOBS
#     ci_ctest build/armhf                          # ctest --timeout, --output-on-failure, bounded
#     ci_log "done in $(ci_elapsed)s"
#
# Sourcing it only defines functions and a few variables; it never changes
# the caller's shell options. Everything is bounded in time: apt waits at
# most 400 s for the dpkg lock, every build and test step runs under
# `timeout` (ci_run_bounded), and ctest always gets --timeout.
#
# Variables (all may be set beforehand to override):
#   CI_ROOT          the repository root (derived from this file's location)
#   CI_JOBS          parallel build jobs (default: the number of CPUs, at most 2
#                    on CI machines, which have 2 cores shared by nothing else)
#   CI_TEST_TIMEOUT  ctest's per-test timeout in seconds (default 120)
#   CI_BUILD_TIMEOUT bound for one configure or build step (default 1500 s)
#   CI_CTEST_TIMEOUT bound for one whole ctest run (default 900 s)
#   CI_APT_UPDATED   set to 1 once `apt-get update` ran in this CI run (exported,
#                    so legs started by .ci/run don't update again)

if [[ -n ${CI_LIB_SOURCED:-} ]]; then return 0; fi
CI_LIB_SOURCED=1

CI_ROOT=${CI_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
CI_LIB=${CI_LIB:-$CI_ROOT/ci/lib.sh}
export CI_ROOT CI_LIB
if [[ -z ${CI_JOBS:-} ]]; then
  CI_JOBS=$(nproc 2>/dev/null || echo 2)
fi
CI_TEST_TIMEOUT=${CI_TEST_TIMEOUT:-120}
CI_BUILD_TIMEOUT=${CI_BUILD_TIMEOUT:-1500}
CI_CTEST_TIMEOUT=${CI_CTEST_TIMEOUT:-900}
export CI_JOBS CI_TEST_TIMEOUT CI_BUILD_TIMEOUT CI_CTEST_TIMEOUT

# -- logging and time -----------------------------------------------------------
ci_log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
ci_die() { ci_log "ERROR: $*" >&2; exit 1; }

# ci_timer_start [NAME]: starts a named timer (default "main"; any text).
# ci_elapsed [NAME]: whole seconds since that timer started.
ci_timer_start() {
  local name=${1:-main}
  printf -v "CI_T0_${name//[^A-Za-z0-9_]/_}" '%s' "$(date +%s)"
}
ci_elapsed() {
  local name=${1:-main}
  local var="CI_T0_${name//[^A-Za-z0-9_]/_}"
  local t0=${!var:-}
  [[ -n $t0 ]] || { echo 0; return; }
  echo $(( $(date +%s) - t0 ))
}

# -- bounded commands -------------------------------------------------------------
# ci_run_bounded SECONDS CMD [ARGS...]
# Runs CMD under `timeout` in its own process group; on expiry the whole group
# gets SIGTERM, then SIGKILL 15 s later. CMD may be a program, a script or a
# shell function (functions run in a child bash that has every function of the
# caller, but only its exported variables). Returns CMD's status, or 124 on
# timeout (with a message naming the command).
ci_run_bounded() {
  local secs=$1; shift
  local rc=0
  if [[ $(type -t "$1" 2>/dev/null) == function ]]; then
    timeout --kill-after=15 "$secs" bash -c "$(declare -f); \"\$@\"" ci_run_bounded "$@" || rc=$?
  else
    timeout --kill-after=15 "$secs" "$@" || rc=$?
  fi
  if [[ $rc == 124 || $rc == 137 ]]; then
    ci_log "TIMEOUT: '$*' did not finish within ${secs}s (status $rc)" >&2
  fi
  return $rc
}

# -- packages ---------------------------------------------------------------------
# ci_apt_missing PKG...: prints the packages that are not installed.
ci_apt_missing() {
  local p
  for p in "$@"; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
      printf '%s\n' "$p"
    fi
  done
}

ci_apt_get() {
  local sudo=()
  [[ $(id -u) == 0 ]] || sudo=(sudo)
  DEBIAN_FRONTEND=noninteractive ci_run_bounded 900 "${sudo[@]}" apt-get -q \
    -o DPkg::Lock::Timeout=400 -o Acquire::Retries=3 "$@"
}

ci_apt_update() {
  ci_log "apt-get update"
  ci_apt_get update -qq && CI_APT_UPDATED=1 && export CI_APT_UPDATED
}

# ci_apt_install PKG...: installs those of the packages that are missing, in one
# apt-get call, without recommends. Runs `apt-get update` first when the
# package lists are empty or lack one of the packages, and at most once per CI
# run; if the install still fails (stale lists), updates once and retries.
ci_apt_install() {
  local missing
  missing=$(ci_apt_missing "$@")
  [[ -n $missing ]] || return 0
  # shellcheck disable=SC2086
  set -- $missing
  if [[ $(id -u) != 0 ]] && ! command -v sudo >/dev/null 2>&1; then
    echo "ci: these Debian packages are missing and this user can neither install them (not root)" >&2
    echo "ci: nor use sudo (not installed): $*" >&2
    echo "ci: as root, run:  apt-get install --no-install-recommends $*" >&2
    echo "ci: then run this command again." >&2
    return 1
  fi
  ci_log "apt-get install $*"
  local need_update=0 p
  if [[ ${CI_APT_UPDATED:-0} != 1 ]]; then
    if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
      need_update=1
    else
      for p in "$@"; do
        if ! apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [^(]'; then need_update=1; break; fi
      done
    fi
  fi
  if [[ $need_update == 1 ]]; then ci_apt_update || return 1; fi
  if ! ci_apt_get install -y --no-install-recommends "$@"; then
    [[ ${CI_APT_UPDATED:-0} == 1 ]] && return 1
    ci_apt_update || return 1
    ci_apt_get install -y --no-install-recommends "$@" || return 1
  fi
}

# ci_skip_reasons BUILD_DIR: the reasons GoogleTest gave for the cases it
# skipped in the last ctest run, one line each with its count, most first.
ci_skip_reasons() {
  local log=$1/Testing/Temporary/LastTest.log
  [[ -f $log ]] || return 0
  awk '/: Skipped$/ { getline r; if (r == "" || r ~ /^\[/) r = "(no reason given)"; n[r]++ }
       END { for (r in n) printf "%6d  %s\n", n[r], r }' "$log" | sort -rn
}

# ci_require_cmds CMD...: fails naming the first command that is not on PATH.
ci_require_cmds() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || ci_die "required command not found: $c"
  done
}

# -- CMake / CTest ----------------------------------------------------------------
# ci_configure_build PRESET [CMAKE_ARGS...]: `cmake --preset PRESET` (from the
# repository root) plus the extra arguments, then builds everything with
# CI_JOBS jobs. The build directory is the preset's (build/<preset>). Each
# step is bounded by CI_BUILD_TIMEOUT.
ci_configure_build() {
  local preset=$1; shift
  ci_timer_start "cfg_$preset"
  ci_log "configure: cmake --preset $preset $*"
  ( cd "$CI_ROOT" && ci_run_bounded "$CI_BUILD_TIMEOUT" cmake --preset "$preset" "$@" ) || return 1
  ci_log "build: build/$preset (-j$CI_JOBS)"
  ( cd "$CI_ROOT" && ci_run_bounded "$CI_BUILD_TIMEOUT" cmake --build "build/$preset" -j "$CI_JOBS" ) || return 1
  ci_log "built $preset in $(ci_elapsed "cfg_$preset")s"
}

# -- firmware size ----------------------------------------------------------------
# ci_firmware_size LEG BUDGET LTO_DIR NOLTO_DIR IMAGE 'LABEL=REGEX'...: the
# size by component of LTO_DIR/IMAGE.elf (built with LTO) from its debug
# information (ci/size-by-source; the first component is the library, held
# to BUDGET bytes; the sources of variables LTO leaves without one come from
# NOLTO_DIR/IMAGE.elf, the same image built without LTO), then that image
# without LTO, where the method must agree with the link map NOLTO_DIR/
# IMAGE.map within 2 %. Reports in DIR/IMAGE.size.txt; returns 1 if a budget
# or the check failed. Used by ci/cortex-m and ci/mps2-qemu.
ci_firmware_size() {
  local leg=$1 budget=$2 lto=$3 nolto=$4 image=$5 rc=0
  shift 5
  local lib=${1%%=*}
  echo
  echo "== $lto/$image.elf (LTO, as the preset builds it) =="
  arm-none-eabi-size "$lto/$image.elf"
  echo
  "$CI_ROOT/ci/size-by-source" --budget "$budget" --leg "$leg" --sources-from "$nolto/$image.elf" \
    --symbol "$lib=8asyncore" "$lto/$image.elf" "$@" | tee "$lto/$image.size.txt" || rc=1
  echo
  echo "== $nolto/$image.elf (without LTO; checked against its link map) =="
  "$CI_ROOT/ci/size-by-source" --budget none --leg "$leg" --check "$nolto/$image.map" --symbol "$lib=8asyncore" \
    "$nolto/$image.elf" "$@" | tee "$nolto/$image.size.txt" | grep -E '^(asyncore|check|ci/)' || rc=1
  if grep -q FAIL "$nolto/$image.size.txt"; then rc=1; fi
  return $rc
}

# ci_ctest BUILD_DIR [CTEST_ARGS...]: runs the suite of BUILD_DIR (relative to
# the current directory) with --output-on-failure, -j$CI_JOBS and a per-test
# --timeout (CI_TEST_TIMEOUT), the whole run bounded by CI_CTEST_TIMEOUT. Fails
# when ctest fails or ran no test. The output is also kept in
# BUILD_DIR/ctest.log for summaries (ci_ctest_summary).
ci_ctest() {
  local dir=$1; shift
  [[ $dir == /* ]] || dir=$PWD/$dir
  local log=$dir/ctest.log rc
  ci_log "ctest: $dir (per test ${CI_TEST_TIMEOUT}s, in all ${CI_CTEST_TIMEOUT}s)"
  rm -f "$log.rc"
  { ci_run_bounded "$CI_CTEST_TIMEOUT" ctest --test-dir "$dir" --output-on-failure \
      --timeout "$CI_TEST_TIMEOUT" --no-tests=error -j "$CI_JOBS" "$@" 2>&1 &&
      echo 0 >"$log.rc" || echo $? >"$log.rc"; } | tee "$log"
  rc=$(cat "$log.rc" 2>/dev/null || echo 1)
  return "$rc"
}

# ci_ctest_summary BUILD_DIR: ctest's summary line of the last ci_ctest run
# ("100% tests passed, 0 tests failed out of 42"), or "no ctest run".
ci_ctest_summary() {
  local dir=$1
  [[ $dir == /* ]] || dir=$PWD/$dir
  grep -E 'tests passed, [0-9]+ tests failed out of|No tests were found' "$dir/ctest.log" 2>/dev/null | tail -n1 ||
    echo "no ctest run"
}
