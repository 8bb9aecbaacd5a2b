// SPDX-License-Identifier: MIT
// asyncore for C++, lwIP host port: the conformance suite's main().
//
// Starts lwIP's stack (tcpip_init, waiting on a semaphore for its callback,
// loopback up: see start.c) before any test opens a socket, then runs every
// test. The lwip-host leg links this instead of GTest's own main
// (ASYNCORE_TEST_MAIN, set by src/lwip/platform.cmake).
#include "lwip/opt.h"
#include "lwip/init.h"
#include "lwip/sys.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>

// Counts the semaphores lwIP creates, for tests/lwip (the suite is linked
// with -Wl,--wrap=sys_sem_new: see port.cmake): with
// LWIP_NETCONN_SEM_PER_THREAD a loop iteration must create none.
namespace {
std::atomic<unsigned long> g_sems_created{0};
}
extern "C" err_t __real_sys_sem_new(sys_sem_t* sem, u8_t count);
extern "C" err_t __wrap_sys_sem_new(sys_sem_t* sem, u8_t count) {
  g_sems_created.fetch_add(1, std::memory_order_relaxed);
  return __real_sys_sem_new(sem, count);
}
extern "C" unsigned long asyncore_lwip_host_sems_created(void) {
  return g_sems_created.load(std::memory_order_relaxed);
}

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  asyncore_lwip_host_start();
  std::printf("lwIP %s on the host: MEMP_NUM_NETCONN=%d, LWIP_SOCKET_OFFSET=%d, select=%d, poll=%d, IPv6=%d\n",
              LWIP_VERSION_STRING, MEMP_NUM_NETCONN, LWIP_SOCKET_OFFSET, LWIP_SOCKET_SELECT, LWIP_SOCKET_POLL,
              LWIP_IPV6);
  return RUN_ALL_TESTS();
}
