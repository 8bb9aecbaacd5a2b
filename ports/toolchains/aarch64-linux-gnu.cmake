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
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(ASYNCORE_CROSS_TRIPLE aarch64-linux-gnu)
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

# Look for headers, libraries and packages only in the target's tree, so the
# host's x86-64 libgtest.a / GTestConfig.cmake are never picked up; programs
# (qemu, python ...) come from the host.
set(CMAKE_FIND_ROOT_PATH ${ASYNCORE_CROSS_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

if(NOT DEFINED ASYNCORE_QEMU)
  find_program(ASYNCORE_QEMU_PROGRAM qemu-aarch64)
  if(ASYNCORE_QEMU_PROGRAM)
    set(ASYNCORE_QEMU ${ASYNCORE_QEMU_PROGRAM})
  else()
    set(ASYNCORE_QEMU /usr/bin/qemu-aarch64)
  endif()
endif()
# A list: the emulator and its arguments (CMake >= 3.15).
set(CMAKE_CROSSCOMPILING_EMULATOR ${ASYNCORE_QEMU};-L;${ASYNCORE_CROSS_SYSROOT})
