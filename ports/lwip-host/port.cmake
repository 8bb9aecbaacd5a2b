# SPDX-License-Identifier: MIT
# ports/lwip-host/port.cmake: lwIP on a Linux host, included by
# src/lwip/platform.cmake when ASYNCORE_LWIP_PORT=lwip-host.
#
# Builds lwIP from LWIP_DIR with this directory's lwipopts.h, start.c, and
# Debian's pthreads port from LWIP_PORT_DIR (port/sys_arch.c and
# port/include/arch/ of Debian's lwip source package, derived from lwIP's
# contrib/ports/unix; ci/fetch-lwip prints its path). Any directory with the
# same layout (sys_arch.c, include/arch/cc.h, include/arch/sys_arch.h) works,
# e.g. contrib/ports/unix/port of an lwIP contrib tree.

set(LWIP_PORT_DIR "" CACHE PATH "lwIP unix port: a directory with sys_arch.c and include/arch/ (Debian's lwip source package: port/)")
if(NOT LWIP_PORT_DIR)
  message(FATAL_ERROR
    "ASYNCORE_LWIP_PORT=lwip-host needs lwIP's unix (pthreads) port: pass -DLWIP_PORT_DIR=/path/to/port, "
    "a directory with sys_arch.c and include/arch/cc.h (Debian's lwip source package has it as port/; "
    "ci/fetch-lwip prints the path).")
endif()
get_filename_component(LWIP_PORT_DIR "${LWIP_PORT_DIR}" ABSOLUTE)
if(NOT EXISTS "${LWIP_PORT_DIR}/sys_arch.c" OR NOT EXISTS "${LWIP_PORT_DIR}/include/arch/cc.h")
  message(FATAL_ERROR "LWIP_PORT_DIR=${LWIP_PORT_DIR} has no sys_arch.c or include/arch/cc.h.")
endif()

add_library(lwip_host STATIC
  ${ASYNCORE_LWIP_STACK_SOURCES}
  ${LWIP_PORT_DIR}/sys_arch.c
  ${CMAKE_CURRENT_LIST_DIR}/start.c
  ${CMAKE_CURRENT_LIST_DIR}/thread_sem.c)
# Our lwipopts.h comes first: LWIP_PORT_DIR/include has Debian's (GNU Hurd) one.
# SYSTEM: lwIP's headers are not held to the library's warning flags.
target_include_directories(lwip_host SYSTEM PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}>
  $<BUILD_INTERFACE:${LWIP_DIR}/src/include>
  $<BUILD_INTERFACE:${LWIP_PORT_DIR}/include>)
# Plain `pthread` rather than Threads::Threads: the exported target then needs
# no find_dependency(Threads) in asyncoreConfig.cmake.
target_link_libraries(lwip_host PUBLIC pthread)
target_compile_options(lwip_host PRIVATE $<$<COMPILE_LANGUAGE:C>:-Werror=implicit-function-declaration>)
set_target_properties(lwip_host PROPERTIES C_STANDARD 11 C_EXTENSIONS ON POSITION_INDEPENDENT_CODE ON)
set(ASYNCORE_LWIP_STACK_TARGET lwip_host)

# The conformance suite's main(): starts lwIP, then runs the tests.
# tests/CMakeLists.txt links ${ASYNCORE_TEST_MAIN} instead of GTest's main.
if(ASYNCORE_BUILD_TESTS)
  add_library(asyncore_lwip_test_main STATIC ${CMAKE_CURRENT_LIST_DIR}/test_main.cpp)
  target_link_libraries(asyncore_lwip_test_main PUBLIC lwip_host
    $<IF:$<TARGET_EXISTS:GTest::gtest>,GTest::gtest,gtest>)
  target_compile_features(asyncore_lwip_test_main PUBLIC cxx_std_17)
  # test_main.cpp counts lwIP's sys_sem_new calls (tests/lwip checks that a
  # loop iteration creates no semaphore).
  target_link_options(asyncore_lwip_test_main INTERFACE "LINKER:--wrap=sys_sem_new")
  set(ASYNCORE_TEST_MAIN asyncore_lwip_test_main)
endif()
