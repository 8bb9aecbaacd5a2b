# SPDX-License-Identifier: MIT
# ports/lwip-raw-host/port.cmake: lwIP's raw API (NO_SYS 1) on a Linux host,
# included by src/lwip/platform.cmake when ASYNCORE_LWIP_API=raw and
# ASYNCORE_LWIP_PORT=lwip-raw-host.
#
# Builds lwIP's core (no sockets, no netconn, no OS layer) from LWIP_DIR with
# this directory's lwipopts.h, arch/cc.h and port.c (sys_now, the loopback
# interface polled from the loop, the idle and its notify). Nothing of
# Debian's pthreads port is used.

add_library(lwip_raw_host STATIC
  ${ASYNCORE_LWIP_STACK_SOURCES}
  ${CMAKE_CURRENT_LIST_DIR}/port.c)
# SYSTEM: lwIP's headers are not held to the library's warning flags.
target_include_directories(lwip_raw_host SYSTEM PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}>
  $<BUILD_INTERFACE:${LWIP_DIR}/src/include>)
target_link_libraries(lwip_raw_host PUBLIC pthread)
target_compile_options(lwip_raw_host PRIVATE $<$<COMPILE_LANGUAGE:C>:-Werror=implicit-function-declaration>)
set_target_properties(lwip_raw_host PROPERTIES C_STANDARD 11 C_EXTENSIONS ON POSITION_INDEPENDENT_CODE ON)
set(ASYNCORE_LWIP_STACK_TARGET lwip_raw_host)

# The conformance suite's main(): starts lwIP, then runs the tests.
if(ASYNCORE_BUILD_TESTS)
  add_library(asyncore_lwip_raw_test_main STATIC ${CMAKE_CURRENT_LIST_DIR}/test_main.cpp)
  target_link_libraries(asyncore_lwip_raw_test_main PUBLIC lwip_raw_host
    $<IF:$<TARGET_EXISTS:GTest::gtest>,GTest::gtest,gtest>)
  target_compile_features(asyncore_lwip_raw_test_main PUBLIC cxx_std_17)
  set(ASYNCORE_TEST_MAIN asyncore_lwip_raw_test_main)
endif()
