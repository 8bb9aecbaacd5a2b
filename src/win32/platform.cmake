# SPDX-License-Identifier: MIT
# asyncore for C++: the Windows (Winsock 2) platform layer.
# Included by the top-level CMakeLists.txt when ASYNCORE_PLATFORM is win32
# (the default when building for Windows, with MSVC or MinGW-w64).
set(ASYNCORE_PLATFORM_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/backends.cpp
  ${CMAKE_CURRENT_LIST_DIR}/clock.cpp
  ${CMAKE_CURRENT_LIST_DIR}/error.cpp
  ${CMAKE_CURRENT_LIST_DIR}/resolve_async.cpp
  ${CMAKE_CURRENT_LIST_DIR}/runtime.cpp
  ${CMAKE_CURRENT_LIST_DIR}/select_poller.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sockaddr.cpp
  ${CMAKE_CURRENT_LIST_DIR}/socket_ops.cpp
  ${CMAKE_CURRENT_LIST_DIR}/wsapoll_poller.cpp
)
# The wake-up handle: a UDP socket connected to itself (src/udp_wake.cpp).
list(APPEND ASYNCORE_PLATFORM_SOURCES ${CMAKE_CURRENT_LIST_DIR}/../udp_wake.cpp)
# ws2_32: Winsock 2. Everything else comes from kernel32 (linked by default).
set(ASYNCORE_PLATFORM_LIBS ws2_32)
# file_wrapper / file_dispatcher are POSIX-only, as in Python: including
# <asyncore/file_dispatcher.hpp> on Windows stops with a clear #error.
set(ASYNCORE_HAS_FILE_DISPATCHER 0)
# An address holds AF_UNIX paths as on POSIX (the value type is the same;
# this layer opens no AF_UNIX socket: capabilities::local is false).
set(ASYNCORE_LOCAL_PATH_MAX 108)
