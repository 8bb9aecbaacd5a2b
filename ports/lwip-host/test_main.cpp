// asyncore for C++, lwIP host port: the conformance suite's main().
//
// Starts lwIP's stack (tcpip_init, waiting on a semaphore for its callback,
// loopback up: see start.c) before any test opens a socket, then runs every
// test. The lwip-host leg links this instead of GTest's own main
// (ASYNCORE_TEST_MAIN, set by src/lwip/platform.cmake).
#include "lwip/opt.h"
#include "lwip/init.h"

#include <gtest/gtest.h>

#include <cstdio>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  asyncore_lwip_host_start();
  std::printf("lwIP %s on the host: MEMP_NUM_NETCONN=%d, select=%d, poll=%d, IPv6=%d\n", LWIP_VERSION_STRING,
              MEMP_NUM_NETCONN, LWIP_SOCKET_SELECT, LWIP_SOCKET_POLL, LWIP_IPV6);
  return RUN_ALL_TESTS();
}
