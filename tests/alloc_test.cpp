// SPDX-License-Identifier: MIT
// Steady state without the allocator (issue 7): echoing a message through a
// connected dispatcher, a dispatcher_with_send and an async_chat line channel
// performs no heap allocation, on every backend.
//
// This binary's global operator new/delete are replaced by ones that count,
// but only while a thread-local flag is set (around the loop iterations that
// echo the measured messages); everywhere else, and for every other test,
// they are plain malloc/free. Under AddressSanitizer or ThreadSanitizer,
// which provide their own operator new, nothing is replaced and the tests
// skip (GTEST_SKIP says so).
//
// Each case warms up first (buffers reach their working size, the backend
// its descriptor tables), then echoes kMessages messages one at a time and
// expects zero allocations in the server's loop iterations.
#include "support.hpp"

#include <asyncore/asynchat.hpp>
#include <asyncore/asyncore.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ASYNCORE_ALLOC_TEST_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define ASYNCORE_ALLOC_TEST_SANITIZER 1
#endif
#endif
#ifndef ASYNCORE_ALLOC_TEST_SANITIZER
#define ASYNCORE_ALLOC_TEST_SANITIZER 0
#endif

namespace {
thread_local bool t_counting = false;
thread_local std::size_t t_allocations = 0;
}  // namespace

#if !ASYNCORE_ALLOC_TEST_SANITIZER
// -- the replacement (counts only while t_counting is set) --------------------
namespace {
void* counted_alloc(std::size_t n) {
  if (t_counting) ++t_allocations;
  if (n == 0) n = 1;
  for (;;) {
    if (void* p = std::malloc(n)) return p;
    std::new_handler h = std::get_new_handler();
    if (!h) {
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
      throw std::bad_alloc();
#else
      std::abort();
#endif
    }
    h();
  }
}
void* counted_aligned_alloc(std::size_t n, std::size_t align) {
  if (t_counting) ++t_allocations;
  if (align < sizeof(void*)) align = sizeof(void*);
  if (n == 0) n = 1;
#if defined(_WIN32)
  void* p = _aligned_malloc(n, align);
#else
  void* p = nullptr;
  if (posix_memalign(&p, align, n) != 0) p = nullptr;
#endif
  if (!p) {
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
    throw std::bad_alloc();
#else
    std::abort();
#endif
  }
  return p;
}
void aligned_free(void* p) noexcept {
#if defined(_WIN32)
  _aligned_free(p);
#else
  std::free(p);
#endif
}
}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (t_counting) ++t_allocations;
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  if (t_counting) ++t_allocations;
  return std::malloc(n ? n : 1);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
#if defined(__cpp_aligned_new)
void* operator new(std::size_t n, std::align_val_t a) { return counted_aligned_alloc(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_aligned_alloc(n, static_cast<std::size_t>(a)); }
void operator delete(void* p, std::align_val_t) noexcept { aligned_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { aligned_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { aligned_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { aligned_free(p); }
#endif
#endif  // !ASYNCORE_ALLOC_TEST_SANITIZER

namespace asyncore_test {
namespace {

constexpr int kWarmup = 200;
constexpr int kMessages = 2000;

#define ASYNCORE_SKIP_UNDER_SANITIZER()                                                              \
  do {                                                                                               \
    if (ASYNCORE_ALLOC_TEST_SANITIZER)                                                               \
      GTEST_SKIP() << "a sanitizer provides operator new here: the counting allocator is not built"; \
  } while (0)

// A plain dispatcher that echoes with dispatcher::send (what does not fit is
// dropped; the messages here always fit in the socket buffer).
class plain_echo : public asyncore::dispatcher {
 public:
  plain_echo(asyncore::socket s, asyncore::socket_map* m, std::error_code& ec) : dispatcher(std::move(s), m, ec) {}
  bool writable() override { return false; }
  void handle_read() override {
    char buf[4096];
    std::error_code ec;
    std::size_t n = recv(buf, sizeof buf, ec);
    if (n) (void)send(buf, n, ec);
  }
  void handle_close() override { close(); }
};

// The echo server of the README, on dispatcher_with_send.
class buffered_echo : public asyncore::dispatcher_with_send {
 public:
  buffered_echo(asyncore::socket s, asyncore::socket_map* m, std::error_code& ec)
      : dispatcher_with_send(std::move(s), m, ec) {}
  void handle_read() override {
    char buf[4096];
    std::error_code ec;
    std::size_t n = recv(buf, sizeof buf, ec);
    if (n) send(buf, n);
  }
  void handle_close() override { close(); }
};

// An async_chat line echo (as examples/line_echo_server.cpp).
class line_echo : public asyncore::async_chat {
 public:
  line_echo(asyncore::socket s, asyncore::socket_map* m, std::error_code& ec) : async_chat(std::move(s), m, ec) {
    set_terminator("\n");
  }
  void collect_incoming_data(std::string_view data) override { line_.append(data.data(), data.size()); }
  void found_terminator() override {
    line_ += '\n';
    push(line_);
    line_.clear();
  }

 private:
  std::string line_;
};

// Drives `kWarmup` then `kMessages` round trips through the channel on the
// far end of `client`; returns the allocations counted during the second
// phase (or a huge number after a failure).
std::size_t echo_allocations(asyncore::socket_map& map, asyncore::socket& client, backend be) {
  char msg[64];
  for (std::size_t j = 0; j + 1 < sizeof msg; ++j) msg[j] = static_cast<char>('a' + j % 26);
  msg[sizeof msg - 1] = '\n';
  char back[sizeof msg * 2];
  std::size_t counted = 0;
  for (int i = 0; i < kWarmup + kMessages; ++i) {
    msg[0] = static_cast<char>('A' + i % 26);
    std::error_code ec;
    std::size_t sent = client.send(msg, sizeof msg, ec);
    if (ec || sent != sizeof msg) {
      ADD_FAILURE() << "client send: " << ec.message();
      return ~std::size_t(0);
    }
    std::size_t got = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (got < sizeof msg) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "no echo for message " << i;
        return ~std::size_t(0);
      }
      const bool measure = i >= kWarmup;
      t_allocations = 0;
      t_counting = measure;
      asyncore::poll_once(0.01, be, &map, ec);
      t_counting = false;
      if (measure) counted += t_allocations;
      if (ec) {
        ADD_FAILURE() << "loop: " << ec.message();
        return ~std::size_t(0);
      }
      std::size_t n = client.recv(back + got, sizeof back - got, ec);
      if (ec && ec != std::errc::operation_would_block) {
        ADD_FAILURE() << "client recv: " << ec.message();
        return ~std::size_t(0);
      }
      got += n;
    }
    if (got != sizeof msg || std::memcmp(back, msg, sizeof msg) != 0) {
      ADD_FAILURE() << "echo of message " << i << " differs";
      return ~std::size_t(0);
    }
  }
  return counted;
}

template <class Channel>
void run_case(backend be) {
  asyncore::socket_map map;
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  Channel ch(std::move(a), &map, ec);
  ASSERT_FALSE(ec) << ec.message();
  const std::size_t n = echo_allocations(map, b, be);
  EXPECT_EQ(n, 0u) << "heap allocations while echoing " << kMessages << " messages";
  ch.close();
  b.close();
}

class Alloc : public testing::TestWithParam<param> {};

TEST_P(Alloc, test_counting_allocator_counts) {
  ASYNCORE_SKIP_UNDER_SANITIZER();
  // The rig itself: an allocation made while counting is seen.
  t_allocations = 0;
  t_counting = true;
  std::string* s = new std::string(100, 'x');
  t_counting = false;
  const std::size_t seen = t_allocations;
  delete s;
  EXPECT_GE(seen, 1u);
}

TEST_P(Alloc, test_dispatcher_echo_allocates_nothing) {
  ASYNCORE_SKIP_UNDER_SANITIZER();
  ASYNCORE_SKIP_UNSUPPORTED(GetParam());
  run_case<plain_echo>(GetParam().be);
}

TEST_P(Alloc, test_dispatcher_with_send_echo_allocates_nothing) {
  ASYNCORE_SKIP_UNDER_SANITIZER();
  ASYNCORE_SKIP_UNSUPPORTED(GetParam());
  run_case<buffered_echo>(GetParam().be);
}

TEST_P(Alloc, test_async_chat_line_echo_allocates_nothing) {
  ASYNCORE_SKIP_UNDER_SANITIZER();
  ASYNCORE_SKIP_UNSUPPORTED(GetParam());
  run_case<line_echo>(GetParam().be);
}

// Timers on a firmware budget: once warmed up, call_every fires, re-armed
// call_later timers and call_soon_threadsafe posts allocate nothing.
TEST_P(Alloc, test_call_every_fires_allocate_nothing) {
  ASYNCORE_SKIP_UNDER_SANITIZER();
  ASYNCORE_SKIP_UNSUPPORTED(GetParam());
  asyncore::socket_map map;
  asyncore::socket a, b;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  asyncore::dispatcher keep(std::move(a), &map, ec);  // the loop waits on something
  int fires = 0, posted = 0;
  asyncore::timer every = asyncore::call_every(1e-6, [&] { ++fires; }, &map);
  asyncore::timer once;  // a call_later that re-arms itself from its callback
  once = asyncore::call_later(0, [&fires, &once] {
    ++fires;
    once.reset();
  }, &map);
  auto iterate = [&](int n) {
    for (int i = 0; i < n; ++i) {
      asyncore::poll_once(0, GetParam().be, &map, ec);
      (void)asyncore::call_soon_threadsafe([&posted] { ++posted; }, &map, ec);
    }
  };
  iterate(200);  // warm-up: the map's vectors reach their steady size
  const int before = fires;
  t_allocations = 0;
  t_counting = true;
  iterate(2000);
  t_counting = false;
  EXPECT_GE(fires - before, 2000);  // at least once per iteration (a coarse clock may merge fires)
  EXPECT_GE(posted, 2000);
  EXPECT_EQ(t_allocations, 0u) << "heap allocations in 2000 iterations of timer fires and posts";
  every.cancel();
  once.cancel();
  keep.close();
}

INSTANTIATE_TEST_SUITE_P(asyncore, Alloc, testing::ValuesIn(backend_params()), param_name);

}  // namespace
}  // namespace asyncore_test
