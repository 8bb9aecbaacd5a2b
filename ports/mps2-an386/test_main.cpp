// SPDX-License-Identifier: MIT
// asyncore for C++, MPS2-AN386 port: main() of mps2_tests.elf, the
// conformance subset on the device.
//
// The board's start-up (startup.c) has started lwIP and its loopback
// interface before main(), and passes the semihosting command line as argv:
// GoogleTest's flags work as on the host (ci/mps2-qemu passes
// --gtest_filter=... and reads the per-case lines from the semihosting
// output). The exit status, 0 when every selected case passed or skipped,
// is qemu-system-arm's.
#include "lwip/opt.h"
#include "lwip/init.h"

#include <gtest/gtest.h>

#include <cstdio>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::printf("mps2_tests: lwIP %s raw API (NO_SYS=%d) on MPS2-AN386: %d handles, MEMP_NUM_TCP_PCB=%d\n",
              LWIP_VERSION_STRING, NO_SYS, ASYNCORE_LWIP_RAW_MAX_HANDLES, MEMP_NUM_TCP_PCB);
  std::fflush(stdout);
  return RUN_ALL_TESTS();
}
