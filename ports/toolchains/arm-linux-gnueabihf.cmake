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
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(ASYNCORE_CROSS_TRIPLE arm-linux-gnueabihf)
if(NOT DEFINED ASYNCORE_CROSS_PREFIX)
  set(ASYNCORE_CROSS_PREFIX "${ASYNCORE_CROSS_TRIPLE}-")
endif()
if(NOT DEFINED ASYNCORE_CROSS_SYSROOT)
  set(ASYNCORE_CROSS_SYSROOT /usr/${ASYNCORE_CROSS_TRIPLE})
endif()
# try_compile projects re-read this file: hand the overrides on to them.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES ASYNCORE_CROSS_PREFIX ASYNCORE_CROSS_SYSROOT ASYNCORE_QEMU)

set(CMAKE_C_COMPILER   ${ASYNCORE_CROSS_PREFIX}gcc)
set(CMAKE_CXX_COMPILER ${ASYNCORE_CROSS_PREFIX}g++)
# GCC's armhf notes "parameter passing for argument of type ... changed in GCC
# 7.1" (-Wpsabi) for every by-value iterator over a type with 8-byte alignment
# (e.g. one holding a std::uint64_t). They concern mixing objects built by GCC
# < 7.1, never the case with this toolchain, and flood the build log.
set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi")

# Look for headers, libraries and packages only in the target's tree, so the
# host's x86-64 libgtest.a / GTestConfig.cmake are never picked up; programs
# (qemu, python ...) come from the host.
set(CMAKE_FIND_ROOT_PATH ${ASYNCORE_CROSS_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

if(NOT DEFINED ASYNCORE_QEMU)
  find_program(ASYNCORE_QEMU_PROGRAM qemu-arm)
  if(ASYNCORE_QEMU_PROGRAM)
    set(ASYNCORE_QEMU ${ASYNCORE_QEMU_PROGRAM})
  else()
    set(ASYNCORE_QEMU /usr/bin/qemu-arm)
  endif()
endif()
# A list: the emulator and its arguments (CMake >= 3.15).
set(CMAKE_CROSSCOMPILING_EMULATOR ${ASYNCORE_QEMU};-L;${ASYNCORE_CROSS_SYSROOT})
