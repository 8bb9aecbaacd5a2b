#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs the async_chat line benchmark beside CPython's asynchat and prints the
# table (see bench/asynchat_lines.cpp).
#   bench/asynchat_lines.sh [BUILD_DIR]      (default: build/bench)
# Build first: cmake -S bench -B build/bench && cmake --build build/bench --target asynchat_lines
# Set ASYNCORE_PYTHON to choose the Python (3.11 or older: it has asynchat).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build/bench}" && pwd)
bin=$build/asynchat_lines
[ -x "$bin" ] || bin=$build/bench/asynchat_lines
if [ ! -x "$bin" ]; then
  echo "no asynchat_lines in $build: build first (cmake -S bench -B build/bench && cmake --build build/bench --target asynchat_lines)" >&2
  exit 1
fi
cd "${TMPDIR:-/tmp}"
exec "$bin" --cpython
