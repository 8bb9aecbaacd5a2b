# SPDX-License-Identifier: MIT
# The POSIX platform layer (Linux, BSD, macOS, embedded Linux).
#
# Every platform directory has the same files for the same functions:
# socket_ops, sockaddr, error, clock, backends (with the capabilities), and
# one file per poller; src/socket_common.cpp has what they share. POSIX adds
# file_dispatcher.cpp, and no_epoll.cpp where there is no epoll.
set(_dir ${CMAKE_CURRENT_LIST_DIR})
set(ASYNCORE_PLATFORM_SOURCES
  ${_dir}/backends.cpp
  ${_dir}/clock.cpp
  ${_dir}/error.cpp
  ${_dir}/file_dispatcher.cpp
  ${_dir}/poll_poller.cpp
  ${_dir}/select_poller.cpp
  ${_dir}/sockaddr.cpp
  ${_dir}/socket_ops.cpp
  ${_dir}/resolve_async.cpp
  ${_dir}/wake.cpp
)
if(CMAKE_SYSTEM_NAME STREQUAL "Linux" OR CMAKE_SYSTEM_NAME STREQUAL "Android")
  list(APPEND ASYNCORE_PLATFORM_SOURCES ${_dir}/epoll_poller.cpp)
else()
  list(APPEND ASYNCORE_PLATFORM_SOURCES ${_dir}/no_epoll.cpp)
endif()
set(ASYNCORE_PLATFORM_LIBS "")
set(ASYNCORE_HAS_FILE_DISPATCHER 1)
# AF_UNIX paths an address holds: Linux's sun_path (longer ones fail to bind
# or connect with filename_too_long, as they do on the platform).
set(ASYNCORE_LOCAL_PATH_MAX 108)
unset(_dir)
