# SPDX-License-Identifier: MIT
# CMake toolchain file: Linux aarch64 (aarch64-linux-gnu), cross-compiled with Debian's
# g++-aarch64-linux-gnu and run under qemu-user (qemu-aarch64).
#
#     cmake --preset aarch64                         # uses this file
#     cmake -S . -B build/aarch64 -DCMAKE_TOOLCHAIN_FILE=ports/toolchains/aarch64-linux-gnu.cmake
#     ctest --test-dir build/aarch64 --timeout 120   # runs every test through qemu-aarch64
#
# Packages (Debian/Ubuntu): g++-aarch64-linux-gnu qemu-user (ci/arm-linux installs them).
# binfmt_misc is not needed: CMAKE_CROSSCOMPILING_EMULATOR makes ctest, add_test()
# and gtest_discover_tests() start the target binaries through qemu-aarch64
# explicitly, with -L pointing at the target's loader and shared libraries.
#
# Overridable: ASYNCORE_CROSS_PREFIX (compiler prefix, default "aarch64-linux-gnu-"),
# ASYNCORE_CROSS_SYSROOT (default /usr/aarch64-linux-gnu), ASYNCORE_QEMU (default: qemu-aarch64 found on PATH).
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(ASYNCORE_CROSS_TRIPLE aarch64-linux-gnu)
set(ASYNCORE_QEMU_NAME qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
