# SPDX-License-Identifier: MIT
# src/lwip/platform.cmake: the lwIP platform layer (ASYNCORE_PLATFORM=lwip).
#
# lwIP itself is never part of this repository. It comes from:
#   LWIP_DIR        the upstream lwIP tree (LWIP_DIR/src/include/lwip/sockets.h
#                   ...), version 2.1 or later (lwip_poll). ci/fetch-lwip
#                   gets 2.1.3 from Debian's source package.
#   ASYNCORE_LWIP_PORT  which glue to build it with:
#     lwip-host   Linux host: ports/lwip-host (lwipopts.h, start-up, test main)
#                 plus Debian's pthreads port from LWIP_PORT_DIR (sys_arch.c,
#                 include/arch/). The conformance suite runs on it.
#     cortex-m4   ports/cortex-m4: a small board's lwipopts.h and arch/
#                 headers, link-only RTOS glue, and a firmware image
#                 (asyncore_firmware.elf: the library + an echo server + lwIP).
#     external    your own lwIP target, named by ASYNCORE_LWIP_TARGET: it must
#                 carry lwIP's include directories (with your lwipopts.h and
#                 arch/) and lwIP's code; nothing is built from LWIP_DIR.
#
#   ASYNCORE_LWIP_API   which lwIP API the library runs on:
#     sockets     (default) lwIP's sockets API, with an OS (NO_SYS 0): lwip_select
#                 and lwip_poll (src/lwip/*.cpp)
#     raw         lwIP's raw callback API without an OS (NO_SYS 1, bare metal):
#                 src/lwip/raw/ (readiness from lwIP's callbacks, the wait
#                 services the network interfaces and lwIP's timeouts). Ports:
#                 lwip-raw-host (the conformance suite on this host),
#                 mps2-an386 (Cortex-M4 under qemu-system-arm: start-up,
#                 LAN9118 netif, semihosting; ci/mps2-qemu) or external.
#
# Sets ASYNCORE_PLATFORM_SOURCES, ASYNCORE_PLATFORM_LIBS and
# ASYNCORE_HAS_FILE_DISPATCHER (0), and on the host ASYNCORE_TEST_MAIN (the
# suite's main(), which starts lwIP before running the tests).

set(LWIP_DIR "" CACHE PATH "Upstream lwIP source tree (contains src/include/lwip/sockets.h)")
set(ASYNCORE_LWIP_API sockets CACHE STRING "lwIP API: sockets (with an OS, NO_SYS 0) or raw (bare metal, NO_SYS 1)")
set_property(CACHE ASYNCORE_LWIP_API PROPERTY STRINGS sockets raw)
if(NOT ASYNCORE_LWIP_API MATCHES "^(sockets|raw)$")
  message(FATAL_ERROR "ASYNCORE_LWIP_API=${ASYNCORE_LWIP_API}: use sockets or raw.")
endif()
if(ASYNCORE_LWIP_API STREQUAL "raw" AND CMAKE_SYSTEM_NAME STREQUAL "Generic" AND CMAKE_SYSTEM_PROCESSOR MATCHES "^arm")
  set(_asyncore_lwip_default_port mps2-an386)
elseif(ASYNCORE_LWIP_API STREQUAL "raw")
  set(_asyncore_lwip_default_port lwip-raw-host)
elseif(CMAKE_SYSTEM_NAME STREQUAL "Generic" AND CMAKE_SYSTEM_PROCESSOR MATCHES "^arm")
  set(_asyncore_lwip_default_port cortex-m4)
else()
  set(_asyncore_lwip_default_port lwip-host)
endif()
set(ASYNCORE_LWIP_PORT ${_asyncore_lwip_default_port} CACHE STRING "lwIP port glue: lwip-host, cortex-m4, lwip-raw-host, mps2-an386 or external")
set_property(CACHE ASYNCORE_LWIP_PORT PROPERTY STRINGS lwip-host cortex-m4 lwip-raw-host mps2-an386 external)
set(ASYNCORE_LWIP_TARGET "" CACHE STRING "ASYNCORE_LWIP_PORT=external: the name of your lwIP target")

if(ASYNCORE_LWIP_API STREQUAL "raw")
  # The raw API: its own handles, poller, clock and wake-up (src/lwip/raw).
  set(ASYNCORE_PLATFORM_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/raw/backends.cpp
    ${CMAKE_CURRENT_LIST_DIR}/raw/sockets.cpp)
  # Its platform tests live in tests/lwip_raw (tests/lwip is the sockets port's).
  set(ASYNCORE_PLATFORM_TEST_DIR lwip_raw)
else()
# The same file set as src/posix and src/win32 (the same function in the
# same file everywhere); src/socket_common.cpp has what they share.
set(ASYNCORE_PLATFORM_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/backends.cpp
  ${CMAKE_CURRENT_LIST_DIR}/clock.cpp
  ${CMAKE_CURRENT_LIST_DIR}/error.cpp
  ${CMAKE_CURRENT_LIST_DIR}/poll_poller.cpp
  ${CMAKE_CURRENT_LIST_DIR}/select_poller.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sockaddr.cpp
  ${CMAKE_CURRENT_LIST_DIR}/socket_ops.cpp)
# The wake-up handle: a UDP socket connected to itself (src/udp_wake.cpp).
list(APPEND ASYNCORE_PLATFORM_SOURCES ${CMAKE_CURRENT_LIST_DIR}/../udp_wake.cpp)
endif()
set(ASYNCORE_HAS_FILE_DISPATCHER 0)
# lwIP has no AF_UNIX: an address holds no path (36 bytes on a 32-bit
# device, 16 less than with the std::string it had: RAM per channel).
set(ASYNCORE_LOCAL_PATH_MAX 0)

if(ASYNCORE_LWIP_PORT STREQUAL "external")
  if(NOT ASYNCORE_LWIP_TARGET)
    message(FATAL_ERROR "ASYNCORE_LWIP_PORT=external: set ASYNCORE_LWIP_TARGET to the name of your lwIP target "
                        "(a library with lwIP's code and include directories, your lwipopts.h and arch/ headers).")
  endif()
  set(ASYNCORE_PLATFORM_LIBS ${ASYNCORE_LWIP_TARGET})
  return()
endif()

if(NOT LWIP_DIR)
  message(FATAL_ERROR
    "ASYNCORE_PLATFORM=lwip needs lwIP's sources: pass -DLWIP_DIR=/path/to/lwip (the upstream tree, "
    "with src/include/lwip/sockets.h; lwIP 2.1 or later). ci/fetch-lwip fetches lwIP 2.1.3 from Debian's "
    "source package and prints LWIP_DIR and LWIP_PORT_DIR.")
endif()
get_filename_component(LWIP_DIR "${LWIP_DIR}" ABSOLUTE)
if(NOT EXISTS "${LWIP_DIR}/src/include/lwip/sockets.h" OR NOT EXISTS "${LWIP_DIR}/src/api/sockets.c")
  message(FATAL_ERROR "LWIP_DIR=${LWIP_DIR} is not an lwIP source tree (no src/include/lwip/sockets.h or src/api/sockets.c).")
endif()

enable_language(C)

# lwIP's stack: core, IPv4, IPv6, the sequential and sockets APIs. (lwIP's own
# src/Filelists.cmake is not included: it writes into LWIP_DIR and defines
# targets of its own.) Files whose feature is off in lwipopts.h compile to
# nothing.
set(ASYNCORE_LWIP_STACK_SOURCES "")
foreach(f
    core/init.c core/def.c core/dns.c core/inet_chksum.c core/ip.c core/mem.c core/memp.c
    core/netif.c core/pbuf.c core/raw.c core/stats.c core/sys.c core/tcp.c core/tcp_in.c
    core/tcp_out.c core/timeouts.c core/udp.c
    core/ipv4/autoip.c core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/igmp.c
    core/ipv4/ip4_frag.c core/ipv4/ip4.c core/ipv4/ip4_addr.c
    core/ipv6/dhcp6.c core/ipv6/ethip6.c core/ipv6/icmp6.c core/ipv6/inet6.c core/ipv6/ip6.c
    core/ipv6/ip6_addr.c core/ipv6/ip6_frag.c core/ipv6/mld6.c core/ipv6/nd6.c
    netif/ethernet.c)
  if(NOT EXISTS "${LWIP_DIR}/src/${f}")
    message(FATAL_ERROR "LWIP_DIR=${LWIP_DIR}: src/${f} is missing (asyncore needs lwIP 2.1 or later).")
  endif()
  list(APPEND ASYNCORE_LWIP_STACK_SOURCES "${LWIP_DIR}/src/${f}")
endforeach()
# The sequential and sockets APIs (not with the raw API: NO_SYS 1 forbids them).
if(NOT ASYNCORE_LWIP_API STREQUAL "raw")
  foreach(f api/api_lib.c api/api_msg.c api/err.c api/if_api.c api/netbuf.c api/netdb.c api/netifapi.c
            api/sockets.c api/tcpip.c)
    if(NOT EXISTS "${LWIP_DIR}/src/${f}")
      message(FATAL_ERROR "LWIP_DIR=${LWIP_DIR}: src/${f} is missing (asyncore needs lwIP 2.1 or later).")
    endif()
    list(APPEND ASYNCORE_LWIP_STACK_SOURCES "${LWIP_DIR}/src/${f}")
  endforeach()
endif()

get_filename_component(_asyncore_ports_dir "${CMAKE_CURRENT_LIST_DIR}/../../ports" ABSOLUTE)
include(${_asyncore_ports_dir}/${ASYNCORE_LWIP_PORT}/port.cmake)
# The port file defines ASYNCORE_LWIP_STACK_TARGET (lwIP built with its glue).
set(ASYNCORE_PLATFORM_LIBS ${ASYNCORE_LWIP_STACK_TARGET})

if(ASYNCORE_INSTALL)
  include(GNUInstallDirs)
  # libasyncore.a needs lwIP's archive at link time: export it with the library.
  install(TARGETS ${ASYNCORE_LWIP_STACK_TARGET} EXPORT asyncoreTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
