// SPDX-License-Identifier: MIT
// lwIP resources a loop must not use up or allocate:
//  - with LWIP_NETCONN_SEM_PER_THREAD (the shipped lwipopts.h) lwip_select
//    and lwip_poll wait on the thread's semaphore: a loop iteration creates
//    none (the host suite counts lwIP's sys_sem_new calls, test_main.cpp);
//  - the select backend watches every descriptor lwIP can hand out, the
//    highest included, whatever LWIP_SOCKET_OFFSET is (descriptors start at
//    the offset; lwip_select's limit is LWIP_SELECT_MAXNFDS, not FD_SETSIZE).
//    This only tells the two apart where lwIP uses its own fd_set
//    (FD_SETSIZE = MEMP_NUM_NETCONN); the host build gets the C library's
//    (FD_SETSIZE 1024), where both limits are far above the descriptors.
//    Build the host port with -DLWIP_SOCKET_OFFSET=n to run it with an offset.
#include "lwip/opt.h"
#include "lwip/sockets.h"

#include <asyncore/asyncore.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <system_error>
#include <vector>

extern "C" unsigned long asyncore_lwip_host_sems_created(void);

namespace {

using asyncore::backend;
using asyncore::dispatcher;
using asyncore::family;
using asyncore::socket_map;
using asyncore::socket_type;

// A channel that wants to read and is never ready (its peer stays silent).
class idle_reader : public dispatcher {
 public:
  using dispatcher::dispatcher;
  bool writable() override { return false; }
  void handle_read() override { ++reads; }
  int reads = 0;
};

class LwipSemaphores : public ::testing::TestWithParam<backend> {};

TEST_P(LwipSemaphores, LoopIterationsCreateNoSemaphore) {
  if (!asyncore::has_backend(GetParam())) GTEST_SKIP() << "backend not in this lwIP build";
  std::error_code ec;
  asyncore::socket a, b;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  socket_map map;
  idle_reader r(&map);
  r.set_socket(std::move(a));
  // Warm up: the thread's semaphore is created on its first use.
  asyncore::loop(0.001, GetParam(), &map, 2, ec);
  ASSERT_FALSE(ec) << ec.message();
  const unsigned long before = asyncore_lwip_host_sems_created();
  asyncore::loop(0.001, GetParam(), &map, 50, ec);  // 50 iterations, each waiting 1 ms
  ASSERT_FALSE(ec) << ec.message();
  asyncore::loop(0.0, GetParam(), &map, 50, ec);  // and 50 that do not wait
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(asyncore_lwip_host_sems_created(), before)
      << "lwip_select/lwip_poll created semaphores: is LWIP_NETCONN_SEM_PER_THREAD 1 in lwipopts.h?";
  EXPECT_EQ(r.reads, 0);
  r.close();
}

INSTANTIATE_TEST_SUITE_P(lwip, LwipSemaphores, ::testing::Values(backend::select, backend::poll),
                         [](const ::testing::TestParamInfo<backend>& i) { return asyncore::backend_name(i.param); });

TEST(LwipDescriptors, SelectWatchesTheHighestDescriptor) {
  if (!asyncore::has_backend(backend::select)) GTEST_SKIP() << "lwIP built without LWIP_SOCKET_SELECT";
  // Open sockets until lwIP has no more: the last one has the highest
  // descriptor lwIP hands out (LWIP_SOCKET_OFFSET + MEMP_NUM_NETCONN - 1).
  std::vector<asyncore::socket> held;
  std::error_code ec;
  for (int i = 0; i < MEMP_NUM_NETCONN + 1; ++i) {
    asyncore::socket s = asyncore::socket::open(family::inet, socket_type::dgram, ec);
    if (ec) break;
    held.push_back(std::move(s));
  }
  ASSERT_FALSE(held.empty());
  asyncore::native_handle_type highest = held.front().native_handle();
  for (const asyncore::socket& s : held)
    if (s.native_handle() > highest) highest = s.native_handle();
  if (held.size() == static_cast<std::size_t>(MEMP_NUM_NETCONN)) {
    EXPECT_EQ(highest, LWIP_SOCKET_OFFSET + MEMP_NUM_NETCONN - 1);
  }
  // Watch the highest one with select: a UDP socket is writable at once; it
  // must be reported writable, not refused as out of range.
  asyncore::socket top;
  for (asyncore::socket& s : held)
    if (s.native_handle() == highest) top = std::move(s);
  held.clear();  // frees the others (the map needs none)

  class writer : public dispatcher {
   public:
    using dispatcher::dispatcher;
    bool readable() override { return false; }
    void handle_write() override { ++writes; }
    void handle_error(const asyncore::error_cause& c) override { error = c.code; }
    int writes = 0;
    std::error_code error;
  };
  socket_map map;
  writer w(&map);
  w.set_socket(std::move(top));
  asyncore::loop(0.05, backend::select, &map, 1, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_FALSE(w.error) << w.error.message();
  EXPECT_EQ(w.writes, 1);
  w.close();
}

}  // namespace
