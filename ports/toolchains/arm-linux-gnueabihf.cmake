# SPDX-License-Identifier: MIT
# CMake toolchain file: Linux armhf (arm-linux-gnueabihf), cross-compiled with Debian's
# g++-arm-linux-gnueabihf and run under qemu-user (qemu-arm).
#
#     cmake --preset armhf                         # uses this file
#     cmake -S . -B build/armhf -DCMAKE_TOOLCHAIN_FILE=ports/toolchains/arm-linux-gnueabihf.cmake
#     ctest --test-dir build/armhf --timeout 120   # runs every test through qemu-arm
#
# Packages (Debian/Ubuntu): g++-arm-linux-gnueabihf qemu-user (ci/arm-linux installs them).
# binfmt_misc is not needed: CMAKE_CROSSCOMPILING_EMULATOR makes ctest, add_test()
# and gtest_discover_tests() start the target binaries through qemu-arm
# explicitly, with -L pointing at the target's loader and shared libraries.
#
# Overridable: ASYNCORE_CROSS_PREFIX (compiler prefix, default "arm-linux-gnueabihf-"),
# ASYNCORE_CROSS_SYSROOT (default /usr/arm-linux-gnueabihf), ASYNCORE_QEMU (default: qemu-arm found on PATH).
set(CMAKE_SYSTEM_PROCESSOR arm)
set(ASYNCORE_CROSS_TRIPLE arm-linux-gnueabihf)
set(ASYNCORE_QEMU_NAME qemu-arm)
# GCC's armhf notes "parameter passing for argument of type ... changed in GCC
# 7.1" (-Wpsabi) for every by-value iterator over a type with 8-byte alignment
# (e.g. one holding a std::uint64_t). They concern mixing objects built by GCC
# < 7.1, never the case with this toolchain, and flood the build log.
set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi")
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
