# SPDX-License-Identifier: MIT
# ports/cortex-m4/sources.mk: what the Cortex-M4 firmware image is built
# from, for builds without CMake (ports/cortex-m4/Makefile includes it; a
# Makefile project of your own may include it too). The same lists as
# CMakeLists.txt (ASYNCORE_COMMON_SOURCES), src/lwip/platform.cmake
# (ASYNCORE_PLATFORM_SOURCES, ASYNCORE_LWIP_STACK_SOURCES) and
# ports/cortex-m4/port.cmake; ci/cortex-m checks that both builds put the
# same objects into their archives.
#
# Paths of the first, second and fourth list are relative to the repository
# root; LWIP_STACK_SOURCES is relative to $(LWIP_DIR)/src.

# The library's common code: no platform #ifdefs.
ASYNCORE_COMMON_SOURCES := \
  src/address.cpp src/async_chat.cpp src/dispatcher.cpp src/dispatcher_with_send.cpp \
  src/error.cpp src/flat_vector.cpp src/log.cpp src/loop.cpp src/posting.cpp src/producer.cpp \
  src/resolve.cpp src/socket.cpp src/socket_common.cpp src/socket_map.cpp src/timers.cpp

# The lwIP platform layer (ASYNCORE_PLATFORM=lwip).
ASYNCORE_LWIP_SOURCES := \
  src/lwip/backends.cpp src/lwip/clock.cpp src/lwip/error.cpp src/lwip/poll_poller.cpp \
  src/lwip/select_poller.cpp src/lwip/sockaddr.cpp src/lwip/socket_ops.cpp \
  src/udp_wake.cpp

# lwIP's stack (core, IPv4, IPv6, sequential and sockets APIs, Ethernet).
# Files whose feature is off in lwipopts.h compile to nothing.
LWIP_STACK_SOURCES := \
  core/init.c core/def.c core/dns.c core/inet_chksum.c core/ip.c core/mem.c core/memp.c \
  core/netif.c core/pbuf.c core/raw.c core/stats.c core/sys.c core/tcp.c core/tcp_in.c \
  core/tcp_out.c core/timeouts.c core/udp.c \
  core/ipv4/autoip.c core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/igmp.c \
  core/ipv4/ip4_frag.c core/ipv4/ip4.c core/ipv4/ip4_addr.c \
  core/ipv6/dhcp6.c core/ipv6/ethip6.c core/ipv6/icmp6.c core/ipv6/inet6.c core/ipv6/ip6.c \
  core/ipv6/ip6_addr.c core/ipv6/ip6_frag.c core/ipv6/mld6.c core/ipv6/nd6.c \
  api/api_lib.c api/api_msg.c api/err.c api/if_api.c api/netbuf.c api/netdb.c api/netifapi.c \
  api/sockets.c api/tcpip.c \
  netif/ethernet.c

# This board's glue, built into the lwIP archive: link-only RTOS stubs
# (replace with your RTOS's sys_arch).
CM4_LWIP_PORT_SOURCES := ports/cortex-m4/rtos_glue.c

# The firmware image's own code: an echo server and a line echo, start-up.
CM4_FIRMWARE_SOURCES := ports/cortex-m4/firmware.cpp ports/cortex-m4/startup.c
