# SPDX-License-Identifier: MIT
# ports/mps2-an386/port.cmake: lwIP's raw API (NO_SYS 1) on the MPS2-AN386
# board (Cortex-M4, LAN9118 Ethernet; what qemu-system-arm -M mps2-an386
# emulates), included by src/lwip/platform.cmake when ASYNCORE_LWIP_API=raw
# and ASYNCORE_LWIP_PORT=mps2-an386 (the default for the raw API with
# ports/toolchains/arm-none-eabi-cortex-m4.cmake; preset `mps2-an386`).
#
#   lwip_mps2_an386    lwIP's core with include/lwipopts.h and include/arch/cc.h
#   mps2_an386_board   startup.c (vectors, reset, argv from the semihosting
#                      command line, main's status as QEMU's exit status),
#                      board.c (SysTick's sys_now, the network, the raw
#                      platform's service/idle/notify hooks, the status
#                      responder), lan9118.c (the netif), semihosting.c and
#                      syscalls.c (newlib's system calls over semihosting)
#   images (ASYNCORE_LWIP_FIRMWARE, ON), in the build directory:
#     mps2_echo_server.elf       examples/echo_server.cpp, unchanged
#     mps2_line_echo_server.elf  examples/line_echo_server.cpp, unchanged
#     mps2_chat_server.elf       examples/chat_server.cpp, unchanged
#     mps2_tests.elf             a subset of the conformance suite (the test
#                                files that need no second thread, no files
#                                and no child process) with GoogleTest built
#                                for the board from ASYNCORE_GTEST_DIR
#                                (Debian: package googletest), over lwIP's
#                                loopback interface; only when those sources
#                                are there (MPS2_TESTS)
#   each with its link map beside it (<image>.map).
# Run one: qemu-system-arm -M mps2-an386 -display none -monitor none
#   -serial null -semihosting-config enable=on,target=native
#   -kernel mps2_echo_server.elf -append "--bind 10.0.2.15 7"
#   -nic user,model=lan9118,hostfwd=tcp:127.0.0.1:HOSTPORT-:7
# (ci/mps2-qemu, tests/mps2/run.py).
add_library(lwip_mps2_an386 STATIC ${ASYNCORE_LWIP_STACK_SOURCES})
target_include_directories(lwip_mps2_an386 SYSTEM PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}/include>
  $<BUILD_INTERFACE:${LWIP_DIR}/src/include>)
target_compile_options(lwip_mps2_an386 PRIVATE $<$<COMPILE_LANGUAGE:C>:-Werror=implicit-function-declaration>)
set_target_properties(lwip_mps2_an386 PROPERTIES C_STANDARD 11 C_EXTENSIONS ON)
set(ASYNCORE_LWIP_STACK_TARGET lwip_mps2_an386)

option(ASYNCORE_LWIP_FIRMWARE "Build the MPS2-AN386 firmware images (mps2_*.elf)" ON)
if(ASYNCORE_LWIP_FIRMWARE)
  set(_mps2_dir ${CMAKE_CURRENT_LIST_DIR})
  add_library(mps2_an386_board STATIC
    ${_mps2_dir}/board.c ${_mps2_dir}/lan9118.c ${_mps2_dir}/semihosting.c
    ${_mps2_dir}/startup.c ${_mps2_dir}/syscalls.c)
  target_link_libraries(mps2_an386_board PUBLIC lwip_mps2_an386)
  target_compile_options(mps2_an386_board PRIVATE -Wall -Wextra $<$<BOOL:${ASYNCORE_WERROR}>:-Werror>)
  set_target_properties(mps2_an386_board PROPERTIES C_STANDARD 11 C_EXTENSIONS ON)

  # mps2_firmware(<target> <sources>...): an image <target>.elf with the
  # board (whole: its vector table, its system calls over newlib's stubs),
  # the library and lwIP, and its link map <target>.map.
  function(mps2_firmware name)
    add_executable(${name} ${ARGN})
    set_target_properties(${name} PROPERTIES SUFFIX ".elf" LINK_DEPENDS ${_mps2_dir}/mps2-an386.ld)
    # GCC's notes that the ABI of passing some structures changed in GCC 7.1 are noise here.
    target_compile_options(${name} PRIVATE -Wno-psabi)
    # The board once more as an ordinary library: the image relinks when it changes.
    target_link_libraries(${name} PRIVATE asyncore::asyncore mps2_an386_board lwip_mps2_an386
      $<BUILD_INTERFACE:asyncore_options>)
    target_link_options(${name} PRIVATE
      -T${_mps2_dir}/mps2-an386.ld
      -Wl,--whole-archive $<TARGET_FILE:mps2_an386_board> -Wl,--no-whole-archive
      -Wl,-Map=$<TARGET_FILE_DIR:${name}>/${name}.map)
  endfunction()

  foreach(ex echo_server line_echo_server chat_server)
    mps2_firmware(mps2_${ex} ${PROJECT_SOURCE_DIR}/examples/${ex}.cpp)
  endforeach()

  # The on-device conformance subset (mps2_tests.elf).
  set(ASYNCORE_GTEST_DIR "/usr/src/googletest" CACHE PATH "GoogleTest sources (Debian: package googletest)")
  set(_mps2_gtest ${ASYNCORE_GTEST_DIR}/googletest)
  if(EXISTS ${_mps2_gtest}/src/gtest-all.cc)
    set(_mps2_tests_default ON)
  else()
    set(_mps2_tests_default OFF)
  endif()
  option(MPS2_TESTS "Build mps2_tests.elf (needs GoogleTest's sources in ASYNCORE_GTEST_DIR)" ${_mps2_tests_default})
  if(MPS2_TESTS)
    # GoogleTest for the board: no threads, no exceptions, no RTTI, no death
    # tests; GNU extensions for fileno/strdup in newlib's headers.
    add_library(mps2_gtest STATIC ${_mps2_gtest}/src/gtest-all.cc)
    target_include_directories(mps2_gtest SYSTEM PUBLIC ${_mps2_gtest}/include PRIVATE ${_mps2_gtest})
    target_compile_definitions(mps2_gtest PUBLIC GTEST_HAS_PTHREAD=0 GTEST_HAS_EXCEPTIONS=0 GTEST_HAS_RTTI=0
      GTEST_HAS_STREAM_REDIRECTION=0 _POSIX_PATH_MAX=256)
    set_target_properties(mps2_gtest PROPERTIES CXX_STANDARD 17 CXX_EXTENSIONS ON)
    # The suite's files that build here: no std::thread (newlib has no
    # threads), no files, no child processes; not alloc_test (its counters
    # are thread_local, and the board has no thread pointer). Their cases skip at run time
    # what the platform lacks (IPv6, AF_UNIX, epoll), as on the host.
    set(_mps2_test_files address_scope asynchat_limit asynchat_terminator asynchat
        dispatcher_with_send graceful_close helpers leak_check resolve stable_predicates water_marks)
    set(_mps2_test_sources ${PROJECT_SOURCE_DIR}/tests/support.cpp
        ${PROJECT_SOURCE_DIR}/tests/lwip_raw/handle_census.cpp ${_mps2_dir}/test_main.cpp
        ${_mps2_dir}/interrupt_post_test.cpp)
    foreach(t ${_mps2_test_files})
      list(APPEND _mps2_test_sources ${PROJECT_SOURCE_DIR}/tests/${t}_test.cpp)
    endforeach()
    mps2_firmware(mps2_tests ${_mps2_test_sources})
    target_include_directories(mps2_tests PRIVATE ${PROJECT_SOURCE_DIR}/tests ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(mps2_tests PRIVATE mps2_gtest)
    set_target_properties(mps2_tests PROPERTIES CXX_EXTENSIONS ON)
  endif()
endif()
