# SPDX-License-Identifier: MIT
# Shared part of the Linux cross toolchain files (arm-linux-gnueabihf.cmake,
# aarch64-linux-gnu.cmake). They set CMAKE_SYSTEM_PROCESSOR,
# ASYNCORE_CROSS_TRIPLE and ASYNCORE_QEMU_NAME, then include this file.
set(CMAKE_SYSTEM_NAME Linux)

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
  find_program(ASYNCORE_QEMU_PROGRAM ${ASYNCORE_QEMU_NAME})
  if(ASYNCORE_QEMU_PROGRAM)
    set(ASYNCORE_QEMU ${ASYNCORE_QEMU_PROGRAM})
  else()
    set(ASYNCORE_QEMU /usr/bin/${ASYNCORE_QEMU_NAME})
  endif()
endif()
# A list: the emulator and its arguments (CMake >= 3.15).
set(CMAKE_CROSSCOMPILING_EMULATOR ${ASYNCORE_QEMU};-L;${ASYNCORE_CROSS_SYSROOT})
