# SPDX-License-Identifier: MIT
# CMake toolchain file: Windows x64, cross-compiled with MinGW-w64 (Debian's
# g++-mingw-w64-x86-64-posix) and run under Wine.
#
#     cmake --preset mingw                          # uses this file (build/mingw)
#     cmake -S . -B build/mingw -DCMAKE_TOOLCHAIN_FILE=ports/toolchains/mingw-w64-x86_64.cmake
#     ctest --test-dir build/mingw --timeout 120    # every test runs through wine
#
# ci/windows does all of it, including the Wine start-up that keeps ctest
# fast (see that script).
#
# Packages (Debian/Ubuntu): g++-mingw-w64-x86-64-posix wine wine64.
#
# Choices:
#  - The "-posix" compilers are named explicitly. The plain
#    x86_64-w64-mingw32-g++ is an alternative that silently becomes the
#    win32-threads variant (no std::thread / std::mutex in GCC 12) when
#    g++-mingw-w64-x86-64-win32 is also installed, since that one has the
#    higher priority.
#  - Executables are linked fully static (-static). With the posix thread
#    model, -static-libgcc -static-libstdc++ still leaves libwinpthread-1.dll
#    imported, and a missing DLL makes Wine exit with code 53 and no output.
#    The .exe files then import only KERNEL32, msvcrt and WS2_32, and run on
#    any Windows x64 as they are.
#  - CMAKE_CROSSCOMPILING_EMULATOR makes ctest, add_test() and
#    gtest_discover_tests() start the .exe files through Wine, with
#    WINEDEBUG=-all (no "fixme" noise). WINEPREFIX comes from the environment.
#
# Overridable: ASYNCORE_MINGW_PREFIX (default "x86_64-w64-mingw32"),
# ASYNCORE_MINGW_SUFFIX (default "-posix"), ASYNCORE_WINE (default: wine found on PATH).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

if(NOT DEFINED ASYNCORE_MINGW_PREFIX)
  set(ASYNCORE_MINGW_PREFIX x86_64-w64-mingw32)
endif()
if(NOT DEFINED ASYNCORE_MINGW_SUFFIX)
  set(ASYNCORE_MINGW_SUFFIX -posix)
endif()
# try_compile projects re-read this file: hand the overrides on to them.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES ASYNCORE_MINGW_PREFIX ASYNCORE_MINGW_SUFFIX ASYNCORE_WINE)

set(CMAKE_C_COMPILER   ${ASYNCORE_MINGW_PREFIX}-gcc${ASYNCORE_MINGW_SUFFIX})
set(CMAKE_CXX_COMPILER ${ASYNCORE_MINGW_PREFIX}-g++${ASYNCORE_MINGW_SUFFIX})
set(CMAKE_RC_COMPILER  ${ASYNCORE_MINGW_PREFIX}-windres)

# Headers, libraries and packages only from the MinGW tree (never the host's
# libgtest.a or GTestConfig.cmake); programs (wine, python ...) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${ASYNCORE_MINGW_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Fully static executables (see above).
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

if(NOT DEFINED ASYNCORE_WINE)
  find_program(ASYNCORE_WINE_PROGRAM wine)
  if(ASYNCORE_WINE_PROGRAM)
    set(ASYNCORE_WINE ${ASYNCORE_WINE_PROGRAM})
  else()
    set(ASYNCORE_WINE /usr/bin/wine)
  endif()
endif()
# A list: the emulator and its arguments (CMake >= 3.15).
set(CMAKE_CROSSCOMPILING_EMULATOR /usr/bin/env;WINEDEBUG=-all;${ASYNCORE_WINE})
