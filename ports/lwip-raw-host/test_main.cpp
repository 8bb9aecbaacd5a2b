// SPDX-License-Identifier: MIT
// asyncore for C++, lwIP raw-API host port: the conformance suite's main().
//
// Starts lwIP (lwip_init, loopback up: port.c) before any test opens a
// handle, then runs every test in this thread, the only one that calls lwIP.
// The lwip-raw leg links this instead of GTest's own main
// (ASYNCORE_TEST_MAIN, set by port.cmake).
#include "lwip/opt.h"
#include "lwip/init.h"

#include <gtest/gtest.h>

#include <cstdio>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  asyncore_lwip_raw_host_start();
  std::printf("lwIP %s raw API (NO_SYS=%d) on the host: %d handles, MEMP_NUM_TCP_PCB=%d, IPv6=%d\n",
              LWIP_VERSION_STRING, NO_SYS, ASYNCORE_LWIP_RAW_MAX_HANDLES, MEMP_NUM_TCP_PCB, LWIP_IPV6);
  return RUN_ALL_TESTS();
}
