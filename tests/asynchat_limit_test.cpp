// SPDX-License-Identifier: MIT
// async_chat's bound on the record being collected (max_record_size): a peer
// that streams megabytes with no delimiter is cut off with
// errc::record_too_long, and memory does not grow with what it sends.
//
// Measured two ways: the channel's own buffers (the held partial delimiter,
// the record count) and what a worst-case user keeps (it accumulates every
// byte it is given), and, on Linux, the process's resident set size from
// /proc/self/statm (skipped where that file does not exist).
#include <asyncore/asynchat.hpp>
#include <asyncore/loop.hpp>

#include "support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#if defined(__linux__)
#include <unistd.h>
#endif

namespace {

using asyncore::terminator;

// AddressSanitizer keeps freed memory in quarantine, so the resident set
// grows with every allocation made and freed: it says nothing there.
#if defined(__SANITIZE_ADDRESS__)
#define ASYNCORE_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASYNCORE_TEST_ASAN 1
#endif
#endif

// Resident set size in bytes, or -1 where it cannot be read.
long long rss_bytes() {
#if defined(__linux__) && !defined(ASYNCORE_TEST_ASAN)
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return -1;
  long long size = 0, resident = 0;
  const int got = std::fscanf(f, "%lld %lld", &size, &resident);
  std::fclose(f);
  if (got != 2) return -1;
  return resident * static_cast<long long>(sysconf(_SC_PAGESIZE));
#else
  return -1;
#endif
}

// Streams `total` bytes of 'x' (no delimiter anywhere), then closes.
class streamer : public asyncore::dispatcher {
 public:
  streamer(asyncore::socket s, asyncore::socket_map* map, std::size_t total)
      : dispatcher(map), left_(total), chunk_(64 * 1024, 'x') {
    set_socket(std::move(s), map);
    connected = true;
  }
  bool readable() override { return false; }
  bool writable() override { return left_ != 0; }
  void handle_write() override {
    std::error_code ec;
    std::size_t n = send(chunk_.data(), std::min(left_, chunk_.size()), ec);
    sent += n;
    left_ -= n;
    if (left_ == 0) close();
  }
  void handle_close() override { close(); }
  std::size_t sent = 0;

 private:
  std::size_t left_;
  std::string chunk_;
};

// The worst case for memory: keeps every byte it is given until the
// terminator, and checks the channel's own buffers on every call.
class hoarder : public asyncore::async_chat {
 public:
  hoarder(asyncore::socket s, asyncore::socket_map* map, bool close_on_error) : async_chat(map), close_(close_on_error) {
    set_socket(std::move(s), map);
    connected = true;
  }
  void collect_incoming_data(std::string_view data) override {
    kept.append(data.data(), data.size());
    max_kept = std::max(max_kept, kept.size());
    max_held = std::max(max_held, buffered_input());
    if (max_record_size() != 0) {
      EXPECT_LE(record_size(), max_record_size());
    }
  }
  void found_terminator() override { kept.clear(); }
  void handle_error(const asyncore::error_cause& cause) override {
    errors.push_back(cause);
    kept.clear();  // a user that keeps the channel open drops the record
    if (close_) async_chat::handle_error(cause);  // default: log + close
  }
  void handle_close() override {
    closed = true;
    close();
  }
  std::string kept;
  std::size_t max_kept = 0;
  std::size_t max_held = 0;
  std::vector<asyncore::error_cause> errors;
  bool closed = false;

 private:
  bool close_;
};

void run(asyncore::socket_map& map) {
  ASSERT_TRUE(asyncore_test::loop_until([&] { return map.empty(); }, map, asyncore::backend::poll, 30.0))
      << "did not finish within 30 s";
}

struct pair_rig {
  asyncore::socket_map map;
  asyncore::socket a, b;
  pair_rig() {
    std::error_code ec;
    EXPECT_TRUE(asyncore::socket_pair(a, b, ec)) << ec.message();
  }
};

TEST(asynchat_limit, default_limit_is_on) {
  asyncore::socket_map map;
  struct chat : asyncore::async_chat {
    using async_chat::async_chat;
    void collect_incoming_data(std::string_view) override {}
    void found_terminator() override {}
  } c(&map);
  EXPECT_EQ(c.max_record_size(), std::size_t{ASYNCORE_DEFAULT_MAX_RECORD});
  EXPECT_GT(c.max_record_size(), 0u);
}

TEST(asynchat_limit, endless_line_is_cut_off_with_record_too_long) {
  pair_rig r;
  hoarder h(std::move(r.a), &r.map, /*close_on_error=*/true);
  h.set_terminator("\r\n");
  h.set_max_record_size(256 * 1024);
  h.set_ignore_log_types({"warning", "error"});  // the default handle_error logs one line
  streamer s(std::move(r.b), &r.map, std::size_t{64} * 1024 * 1024);
  run(r.map);
  ASSERT_EQ(h.errors.size(), 1u);
  EXPECT_EQ(h.errors[0].code, asyncore::make_error_code(asyncore::errc::record_too_long));
  EXPECT_NE(h.errors[0].what.find("max_record_size"), std::string::npos) << h.errors[0].what;
  EXPECT_FALSE(h.registered());                      // the default handle_error closed it
  EXPECT_LE(h.max_kept, 256u * 1024);                // the record never passed the limit
  EXPECT_LE(h.max_held, 1u);                         // held: at most a partial "\r\n"
  EXPECT_LT(s.sent, std::size_t{64} * 1024 * 1024);  // the peer was cut off
}

TEST(asynchat_limit, memory_does_not_grow_with_what_the_peer_sends) {
  // The user's handle_error keeps the channel open: the peer streams all of
  // its 48 MiB; every record over the limit is reported and dropped.
  const std::size_t total = std::size_t{48} * 1024 * 1024;
  const std::size_t limit = 128 * 1024;
  pair_rig r;
  hoarder h(std::move(r.a), &r.map, /*close_on_error=*/false);
  h.set_terminator("\n");
  h.set_max_record_size(limit);
  streamer s(std::move(r.b), &r.map, total);
  const long long rss_before = rss_bytes();
  run(r.map);
  const long long rss_after = rss_bytes();
  EXPECT_EQ(s.sent, total);
  EXPECT_TRUE(h.closed);  // end of stream
  // Each read of up to ac_in_buffer_size bytes may cross the limit once.
  EXPECT_GE(h.errors.size(), total / (limit + h.ac_in_buffer_size));
  for (const auto& e : h.errors) EXPECT_EQ(e.code, asyncore::errc::record_too_long);
  EXPECT_LE(h.max_kept, limit);
  EXPECT_EQ(h.max_held, 0u);
  EXPECT_EQ(h.buffered_input(), 0u);
  if (rss_before < 0 || rss_after < 0) {
    std::printf("(no /proc/self/statm, or AddressSanitizer: resident set size not checked)\n");
  } else {
    // 48 MiB went through; the process grew by far less (allocator slack only).
    EXPECT_LT(rss_after - rss_before, 8LL * 1024 * 1024)
        << "RSS grew from " << rss_before << " to " << rss_after << " bytes";
  }
}

TEST(asynchat_limit, count_terminator_above_the_limit_and_limit_off) {
  {
    pair_rig r;
    hoarder h(std::move(r.a), &r.map, false);
    h.set_max_record_size(1000);
    h.set_terminator(5000);  // the record the count asks for exceeds the limit
    streamer s(std::move(r.b), &r.map, 4000);
    run(r.map);
    ASSERT_GE(h.errors.size(), 1u);
    EXPECT_LE(h.max_kept, 1000u);
  }
  {
    pair_rig r;
    hoarder h(std::move(r.a), &r.map, false);
    h.set_max_record_size(0);  // off
    h.set_terminator(asyncore::terminator::none());
    streamer s(std::move(r.b), &r.map, 4 * 1024 * 1024);
    run(r.map);
    EXPECT_TRUE(h.errors.empty());
    EXPECT_EQ(h.kept.size(), 4u * 1024 * 1024);
  }
}

TEST(asynchat_limit, a_record_of_exactly_the_limit_passes) {
  pair_rig r;
  hoarder h(std::move(r.a), &r.map, false);
  h.set_max_record_size(10);
  h.set_terminator("\n");
  std::error_code ec;
  ASSERT_EQ(r.b.send("0123456789\n01234567890\n", 23, ec), 23u);
  r.b.close();
  run(r.map);
  EXPECT_EQ(h.errors.size(), 1u);  // the second line has 11 bytes
  EXPECT_LE(h.max_kept, 10u);
}

}  // namespace
