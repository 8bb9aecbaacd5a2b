# The POSIX platform layer (Linux, BSD, macOS, embedded Linux).
set(_dir ${CMAKE_CURRENT_LIST_DIR})
set(ASYNCORE_PLATFORM_SOURCES
  ${_dir}/backends.cpp
  ${_dir}/error.cpp
  ${_dir}/file_dispatcher.cpp
  ${_dir}/poll_poller.cpp
  ${_dir}/select_poller.cpp
  ${_dir}/socket_ops.cpp
  ${_dir}/wake.cpp
)
if(CMAKE_SYSTEM_NAME STREQUAL "Linux" OR CMAKE_SYSTEM_NAME STREQUAL "Android")
  list(APPEND ASYNCORE_PLATFORM_SOURCES ${_dir}/epoll_poller.cpp)
else()
  list(APPEND ASYNCORE_PLATFORM_SOURCES ${_dir}/no_epoll.cpp)
endif()
set(ASYNCORE_PLATFORM_LIBS "")
set(ASYNCORE_HAS_FILE_DISPATCHER 1)
unset(_dir)
