// SPDX-License-Identifier: MIT
// async_chat's input framing, fed through a real socket pair and the real
// handle_read path: the same bytes one byte at a time, in ten-byte chunks and
// all at once, for each terminator kind, give the same records; the traces of
// spec §3.3 (CPython 3.11, verified) come out call for call; and the fixes
// (no hook after close, partial delimiter delivered at end of stream,
// terminator none by default) hold.
#include <asyncore/asynchat.hpp>

#include "support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using asyncore::terminator;

// Records every hook call: "d:<data>", "t:<terminator repr>", "close".
class tracer : public asyncore::async_chat {
 public:
  explicit tracer(asyncore::socket_map* map) : async_chat(map) {}
  std::vector<std::string> trace;
  std::vector<terminator> script;  // set, in turn, inside found_terminator
  std::size_t k = 0;
  bool close_in_found = false;
  bool discard_in_found = false;
  std::vector<std::string> errors;

  void collect_incoming_data(std::string_view data) override {
    EXPECT_FALSE(data.empty()) << "collect_incoming_data got an empty chunk";
    trace.push_back("d:" + std::string(data));
  }
  void found_terminator() override {
    trace.push_back("t:" + get_terminator().repr());
    if (!script.empty()) set_terminator(script[k++ % script.size()]);
    if (close_in_found) close();
    if (discard_in_found) discard_buffers();
  }
  void handle_close() override {
    trace.push_back("close");
    close();
  }
  void handle_error(const asyncore::error_cause& cause) override {
    errors.push_back(cause.what);
    async_chat::handle_error(cause);
  }
  void handle_read() override {
    async_chat::handle_read();
    ++reads;
  }
  int reads = 0;
};

// A channel on one end of a socket pair; the test writes the other end and
// runs the loop until the channel has read once, so each write is one read
// (the data is small: one segment where the pair is a TCP connection).
struct rig {
  asyncore::socket_map map;
  asyncore::socket peer;
  tracer ch{&map};

  rig() {
    asyncore::socket mine;
    std::error_code ec;
    EXPECT_TRUE(asyncore::socket_pair(mine, peer, ec)) << ec.message();
    ch.set_socket(std::move(mine), &map);
    ch.connected = true;
  }
  void read(const std::string& bytes) {
    std::error_code ec;
    std::size_t n = peer.send(bytes.data(), bytes.size(), ec);
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_EQ(n, bytes.size());
    const int before = ch.reads;
    ASSERT_TRUE(asyncore_test::loop_until([&] { return ch.reads > before; }, map, asyncore::backend::poll));
  }
  void feed(const std::string& stream, std::size_t chunk) {
    for (std::size_t pos = 0; pos < stream.size(); pos += chunk) read(stream.substr(pos, chunk));
  }
  void eof() {
    peer.close();
    ASSERT_TRUE(asyncore_test::loop_until([&] { return !ch.registered(); }, map, asyncore::backend::poll));
  }
};

// Joins consecutive data events: the records, independent of read boundaries.
std::vector<std::string> records(const std::vector<std::string>& trace) {
  std::vector<std::string> out;
  for (const std::string& e : trace) {
    if (e.rfind("d:", 0) == 0 && !out.empty() && out.back().rfind("d:", 0) == 0)
      out.back() += e.substr(2);
    else
      out.push_back(e);
  }
  return out;
}

std::vector<std::string> run(const terminator& t, const std::string& stream, std::size_t chunk,
                             const std::vector<terminator>& script = {}) {
  rig r;
  r.ch.set_terminator(t);
  r.ch.script = script;
  r.feed(stream, chunk ? chunk : stream.size());
  r.eof();
  EXPECT_TRUE(r.ch.errors.empty());
  return records(r.ch.trace);
}

struct feed_case {
  const char* name;
  terminator term;
  std::string stream;
  std::vector<std::string> expected;  // records
  std::vector<terminator> script;
};

std::vector<feed_case> feed_cases() {
  const std::string lines = "hello world\r\n\r\nI'm not dead yet!\r\nxy\r";
  return {
      {"crlf", terminator::of_bytes("\r\n"), lines,
       {"d:hello world", "t:b'\\r\\n'", "t:b'\\r\\n'", "d:I'm not dead yet!", "t:b'\\r\\n'", "d:xy\r", "close"}, {}},
      {"lf", terminator::of_bytes("\n"), "a\nbb\n\nccc",
       {"d:a", "t:b'\\n'", "d:bb", "t:b'\\n'", "t:b'\\n'", "d:ccc", "close"}, {}},
      {"qqq", terminator::of_bytes("qqq"), "aqqqbqqcqqqqq",
       {"d:a", "t:b'qqq'", "d:bqqc", "t:b'qqq'", "d:qq", "close"}, {}},
      {"overlapping", terminator::of_bytes("abab"), "xxabaabababyab",
       {"d:xxaba", "t:b'abab'", "d:abyab", "close"}, {}},
      {"count", terminator::of_count(5), "0123456789abcdefghijklmnopq",
       // the count ends at 0, which collects everything after it (Python)
       {"d:01234", "t:0", "d:56789abcdefghijklmnopq", "close"}, {}},
      {"count_reset", terminator::of_count(5), "0123456789abcdefghijklmnopq",
       {"d:01234", "t:0", "d:56789", "t:0", "d:abcde", "t:0", "d:fghij", "t:0", "d:klmno", "t:0", "d:pq", "close"},
       {terminator::of_count(5)}},
      {"none", terminator::none(), "no\nterminator\r\nhere", {"d:no\nterminator\r\nhere", "close"}, {}},
      {"empty_delimiter", terminator::of_bytes(""), "a\nb", {"d:a\nb", "close"}, {}},
      {"zero_count", terminator::of_count(0), "a\nb", {"d:a\nb", "close"}, {}},
      {"switching", terminator::of_bytes("\n"), "HELO\nDATA\nline1\r\n.\r\nQUIT\n",
       // smtpd's pattern: switch to the data terminator and back
       {"d:HELO", "t:b'\\n'", "d:DATA", "t:b'\\n'", "d:line1", "t:b'\\r\\n.\\r\\n'", "d:QUIT", "t:b'\\n'",
        "close"},
       {terminator::of_bytes("\n"), terminator::of_bytes("\r\n.\r\n"), terminator::of_bytes("\n")}},
  };
}

TEST(asynchat_terminator, same_records_one_byte_ten_bytes_and_all_at_once) {
  for (const feed_case& c : feed_cases()) {
    for (std::size_t chunk : {std::size_t{1}, std::size_t{10}, std::size_t{0}}) {
      SCOPED_TRACE(std::string(c.name) + (chunk == 0 ? ", all at once" : chunk == 1 ? ", 1 byte" : ", 10 bytes"));
      EXPECT_EQ(run(c.term, c.stream, chunk, c.script), c.expected);
    }
  }
}

// The traces of spec §3.3, call for call (CPython 3.11, verified).
TEST(asynchat_terminator, cpython_traces) {
  {
    rig r;
    r.ch.set_terminator("\r\n");
    r.read("abc\r");
    r.read("\ndef\r\nxy");
    EXPECT_EQ(r.ch.trace, (std::vector<std::string>{"d:abc", "t:b'\\r\\n'", "d:def", "t:b'\\r\\n'", "d:xy"}));
  }
  {
    rig r;
    r.ch.set_terminator("\r\n");
    r.read("\r");
    EXPECT_TRUE(r.ch.trace.empty());
    EXPECT_EQ(r.ch.buffered_input(), 1u);
  }
  {
    rig r;
    r.ch.set_terminator("qqq");
    r.read("aqq");
    r.read("qb");
    EXPECT_EQ(r.ch.trace, (std::vector<std::string>{"d:a", "t:b'qqq'", "d:b"}));
  }
  {
    rig r;
    r.ch.set_terminator(3);
    r.read("ab");
    EXPECT_EQ(r.ch.get_terminator(), terminator::of_count(1));  // the count decreases
    r.read("cdefg");
    EXPECT_EQ(r.ch.trace, (std::vector<std::string>{"d:ab", "d:c", "t:0", "d:defg"}));
    EXPECT_EQ(r.ch.get_terminator(), terminator::of_count(0));
  }
  for (const terminator& t : {terminator::of_count(0), terminator::of_bytes(""), terminator::none()}) {
    rig r;
    r.ch.set_terminator(t);
    r.read("abc");
    EXPECT_EQ(r.ch.trace, (std::vector<std::string>{"d:abc"}));
  }
}

TEST(asynchat_terminator, starts_as_none) {
  rig r;
  EXPECT_TRUE(r.ch.get_terminator().is_none());
  EXPECT_EQ(r.ch.get_terminator().repr(), "None");
  r.read("anything\r\n");  // CPython: AttributeError, handle_error, closed
  EXPECT_EQ(r.ch.trace, (std::vector<std::string>{"d:anything\r\n"}));
  EXPECT_TRUE(r.ch.errors.empty());
}

TEST(asynchat_terminator, partial_delimiter_delivered_before_close_at_eof) {
  rig r;
  r.ch.set_terminator("\r\n.\r\n");
  r.read("body\r\n.\r");
  EXPECT_EQ(r.ch.trace, (std::vector<std::string>{"d:body"}));
  EXPECT_EQ(r.ch.buffered_input(), 4u);
  r.eof();  // CPython loses "\r\n.\r" here
  EXPECT_EQ(r.ch.trace, (std::vector<std::string>{"d:body", "d:\r\n.\r", "close"}));
  EXPECT_EQ(r.ch.buffered_input(), 0u);
}

TEST(asynchat_terminator, no_hook_runs_after_found_terminator_closed) {
  rig r;
  r.ch.set_terminator("\n");
  r.ch.close_in_found = true;
  r.read("one\ntwo\nthree\n");  // CPython goes on delivering two and three
  EXPECT_EQ(r.ch.trace, (std::vector<std::string>{"d:one", "t:b'\\n'"}));
  EXPECT_FALSE(r.ch.registered());
}

TEST(asynchat_terminator, discard_buffers_inside_found_terminator_drops_the_rest) {
  rig r;
  r.ch.set_terminator("\n");
  r.ch.discard_in_found = true;
  r.read("one\ntwo\nthr");
  EXPECT_EQ(r.ch.trace, (std::vector<std::string>{"d:one", "t:b'\\n'"}));
  EXPECT_EQ(r.ch.buffered_input(), 0u);
  r.read("ee\n");
  EXPECT_EQ(r.ch.trace, (std::vector<std::string>{"d:one", "t:b'\\n'", "d:ee", "t:b'\\n'"}));
}

TEST(asynchat_terminator, collect_gets_views_into_one_read) {
  // One read of many records: every view points into the same read buffer
  // (zero-copy), in order.
  struct viewer : tracer {
    using tracer::tracer;
    std::vector<const char*> starts;
    void collect_incoming_data(std::string_view data) override {
      starts.push_back(data.data());
      tracer::collect_incoming_data(data);
    }
  };
  asyncore::socket_map map;
  asyncore::socket mine, peer;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(mine, peer, ec));
  viewer v(&map);
  v.set_socket(std::move(mine), &map);
  v.connected = true;
  v.set_terminator("\n");
  ASSERT_EQ(peer.send("aa\nbbb\ncccc\n", 12, ec), 12u);
  ASSERT_TRUE(asyncore_test::loop_until([&] { return v.reads > 0; }, map, asyncore::backend::poll));
  ASSERT_EQ(v.starts.size(), 3u);
  EXPECT_EQ(v.starts[1] - v.starts[0], 3);
  EXPECT_EQ(v.starts[2] - v.starts[1], 4);
}

TEST(asynchat_terminator, terminator_value_type) {
  EXPECT_FALSE(terminator());
  EXPECT_FALSE(terminator(std::nullopt));
  EXPECT_FALSE(terminator::of_count(0));
  EXPECT_FALSE(terminator::of_bytes(""));
  EXPECT_TRUE(terminator::of_count(1));
  EXPECT_TRUE(terminator::of_bytes("\n"));
  EXPECT_EQ(terminator::of_bytes("\r\n").repr(), "b'\\r\\n'");
  EXPECT_EQ(terminator::of_bytes("it's").repr(), "b\"it's\"");
  EXPECT_EQ(terminator::of_bytes(std::string("\0\xff", 2)).repr(), "b'\\x00\\xff'");
  EXPECT_EQ(terminator::of_count(42).repr(), "42");
  EXPECT_NE(terminator::of_count(1), terminator::of_bytes("1"));
}

}  // namespace
