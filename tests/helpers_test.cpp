// SPDX-License-Identifier: MIT
// CPython's HelperFunctionTests and DispatcherTests (test_asyncore.py
// TA:106-314), with CPython's test names.
#include <asyncore/asyncore.hpp>

#include "support.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace asyncore_test;

// A log sink that collects lines per stream (CPython captures stdout/stderr).
struct captured_log {
  std::vector<std::string> log, info;
  captured_log() {
    asyncore::set_log_sink(
        [](void* ctx, asyncore::log_stream s, std::string_view line) {
          auto* self = static_cast<captured_log*>(ctx);
          (s == asyncore::log_stream::log ? self->log : self->info).emplace_back(line);
        },
        this);
  }
  ~captured_log() { asyncore::set_log_sink(nullptr, nullptr); }
};

#if ASYNCORE_HAS_EXCEPTIONS
// CPython's exitingdummy: every event handler raises ExitNow.
struct exitingdummy : asyncore::dispatcher {
  exitingdummy() : dispatcher(nullptr) {}
  void handle_read_event() override { throw asyncore::exit_now(); }
  void handle_write_event() override { throw asyncore::exit_now(); }
  void handle_expt_event() override { throw asyncore::exit_now(); }
  void handle_close() override { throw asyncore::exit_now(); }
};

// CPython's crashingdummy: every event handler raises; handle_error records.
struct crashingdummy : asyncore::dispatcher {
  crashingdummy() : dispatcher(nullptr) {}
  bool error_handled = false;
  asyncore::error_cause cause;
  void handle_read_event() override { throw std::runtime_error("I don't like spam!"); }
  void handle_write_event() override { throw std::runtime_error("I don't like spam!"); }
  void handle_expt_event() override { throw std::runtime_error("I don't like spam!"); }
  void handle_close() override { throw std::runtime_error("I don't like spam!"); }
  void handle_error(const asyncore::error_cause& c) override {
    error_handled = true;
    cause = c;
  }
};
#endif

TEST(HelperFunctionTests, test_readwriteexc) {
#if ASYNCORE_HAS_EXCEPTIONS
  exitingdummy tr1;
  EXPECT_THROW(asyncore::read(tr1), asyncore::exit_now);
  EXPECT_THROW(asyncore::write(tr1), asyncore::exit_now);
  EXPECT_THROW(asyncore::expt(tr1), asyncore::exit_now);

  crashingdummy tr2;
  asyncore::read(tr2);
  EXPECT_TRUE(tr2.error_handled);
  crashingdummy tr3;
  asyncore::write(tr3);
  EXPECT_TRUE(tr3.error_handled);
  crashingdummy tr4;
  asyncore::expt(tr4);
  EXPECT_TRUE(tr4.error_handled);
#else
  GTEST_SKIP() << "exceptions are off: handlers cannot throw";
#endif
}

// Records which handler readwrite() called.
struct testobj : asyncore::dispatcher {
  testobj() : dispatcher(nullptr) {}
  bool read = false, write = false, closed = false, expt = false, error_handled = false;
  void handle_read_event() override { read = true; }
  void handle_write_event() override { write = true; }
  void handle_close() override { closed = true; }
  void handle_expt_event() override { expt = true; }
  void handle_error(const asyncore::error_cause&) override { error_handled = true; }
};

TEST(HelperFunctionTests, test_readwrite) {
  struct expectation {
    unsigned flag;
    const char* attr;
  };
  const expectation expected[] = {
      {asyncore::pollin, "read"},    {asyncore::pollpri, "expt"},   {asyncore::pollout, "write"},
      {asyncore::pollerr, "closed"}, {asyncore::pollhup, "closed"}, {asyncore::pollnval, "closed"},
  };
  for (const expectation& e : expected) {
    SCOPED_TRACE(e.attr);
    testobj tobj;
    asyncore::readwrite(tobj, e.flag);
    const std::string a = e.attr;
    EXPECT_EQ(tobj.read, a == "read");
    EXPECT_EQ(tobj.write, a == "write");
    EXPECT_EQ(tobj.closed, a == "closed");
    EXPECT_EQ(tobj.expt, a == "expt");
    EXPECT_FALSE(tobj.error_handled);
#if ASYNCORE_HAS_EXCEPTIONS
    exitingdummy tr1;
    EXPECT_THROW(asyncore::readwrite(tr1, e.flag), asyncore::exit_now);
    crashingdummy tr2;
    EXPECT_FALSE(tr2.error_handled);
    asyncore::readwrite(tr2, e.flag);
    EXPECT_TRUE(tr2.error_handled);
#endif
  }
}

// CPython's dummychannel: close() closes the socket but does not unregister;
// close_all must still empty the map.
struct dummychannel : asyncore::dispatcher {
  explicit dummychannel(asyncore::socket_map* m) : dispatcher(m) {
    std::error_code ec;
    create_socket(asyncore::family::inet, asyncore::socket_type::stream, ec);
    EXPECT_FALSE(ec);
  }
  bool closed = false;
  void close() override {
    closed = true;
    socket().close();
  }
};

void closeall_check(bool usedefault) {
  asyncore::socket_map own;
  asyncore::socket_map& testmap = usedefault ? asyncore::default_map() : own;
  asyncore::close_all(&testmap);  // start from an empty default map
  std::vector<std::unique_ptr<dummychannel>> l;
  for (int i = 0; i < 10; ++i) {
    l.push_back(std::make_unique<dummychannel>(&testmap));
    EXPECT_TRUE(l.back()->socket().is_open());
  }
  EXPECT_EQ(testmap.size(), 10u);
  if (usedefault) {
    asyncore::close_all();
  } else {
    asyncore::close_all(&testmap);
  }
  EXPECT_EQ(testmap.size(), 0u);
  for (auto& c : l) {
    EXPECT_TRUE(c->closed);
    EXPECT_FALSE(c->socket().is_open());
  }
}

TEST(HelperFunctionTests, test_closeall) { closeall_check(false); }
TEST(HelperFunctionTests, test_closeall_default) { closeall_check(true); }

// CPython's compact_traceback reports the exception's type, value and
// origin; here handle_error receives the exception itself and its text.
TEST(HelperFunctionTests, test_compact_traceback) {
#if ASYNCORE_HAS_EXCEPTIONS
  crashingdummy d;
  asyncore::read(d);
  ASSERT_TRUE(d.error_handled);
  ASSERT_TRUE(d.cause.exception);
  EXPECT_EQ(d.cause.what, "I don't like spam!");
  try {
    std::rethrow_exception(d.cause.exception);
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "I don't like spam!");
  } catch (...) {
    ADD_FAILURE() << "wrong exception type";
  }
#else
  GTEST_SKIP() << "exceptions are off";
#endif
}

TEST(DispatcherTests, test_basic) {
  asyncore::dispatcher d;
  EXPECT_TRUE(d.readable());
  EXPECT_TRUE(d.writable());
}

TEST(DispatcherTests, test_repr) {
  asyncore::dispatcher d;
  char expected[128];
  std::snprintf(expected, sizeof expected, "<asyncore::dispatcher at %#llx>",
                static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(&d)));
  EXPECT_EQ(d.repr(), expected);
  d.addr = asyncore::address("127.0.0.1", 0);
  d.accepting = true;
  std::snprintf(expected, sizeof expected, "<asyncore::dispatcher listening 127.0.0.1:0 at %#llx>",
                static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(&d)));
  EXPECT_EQ(d.repr(), expected);
  if (!ASYNCORE_INET6) return;  // no IPv6 text in this build (AddressText.inet6_text_follows_the_build)
  d.addr = asyncore::address("::1", 0);
  std::snprintf(expected, sizeof expected, "<asyncore::dispatcher listening ('::1', 0, 0, 0) at %#llx>",
                static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(&d)));
  EXPECT_EQ(d.repr(), expected);
}

TEST(DispatcherTests, test_log) {
  asyncore::dispatcher d;
  captured_log cap;
  const std::string l1 = "Lovely spam! Wonderful spam!";
  const std::string l2 = "I don't like spam!";
  d.log(l1);
  d.log(l2);
  EXPECT_EQ(cap.log, (std::vector<std::string>{"log: " + l1, "log: " + l2}));
  EXPECT_TRUE(cap.info.empty());
}

TEST(DispatcherTests, test_log_info) {
  asyncore::dispatcher d;
  captured_log cap;
  const std::string l1 = "Have you got anything without spam?";
  const std::string l2 = "Why can't she have egg bacon spam and sausage?";
  const std::string l3 = "THAT'S got spam in it!";
  d.log_info(l1, "EGGS");
  d.log_info(l2);
  d.log_info(l3, "SPAM");
  EXPECT_EQ(cap.info, (std::vector<std::string>{"EGGS: " + l1, "info: " + l2, "SPAM: " + l3}));
  EXPECT_TRUE(cap.log.empty());
}

TEST(DispatcherTests, test_unhandled) {
  asyncore::dispatcher d;
  d.set_ignore_log_types({});
  captured_log cap;
  d.handle_expt();
  d.handle_read();
  d.handle_write();
  d.handle_connect();
  EXPECT_EQ(cap.info, (std::vector<std::string>{
                          "warning: unhandled incoming priority event", "warning: unhandled read event",
                          "warning: unhandled write event", "warning: unhandled connect event"}));
}

TEST(DispatcherTests, test_unhandled_silent_by_default) {
  asyncore::dispatcher d;
  captured_log cap;
  d.handle_expt();
  d.handle_read();
  d.handle_write();
  d.handle_connect();
  EXPECT_TRUE(cap.info.empty());
}

// CPython's _strerror: every error has a message, known or not.
TEST(DispatcherTests, test_strerror) {
  EXPECT_FALSE(std::make_error_code(std::errc::operation_not_permitted).message().empty());
  EXPECT_FALSE(asyncore::make_error_code(asyncore::errc::record_too_long).message().empty());
  EXPECT_FALSE(std::error_code(-1, asyncore::error_category()).message().empty());
  EXPECT_STREQ(asyncore::error_category().name(), "asyncore");
}

// asyncore::error_text: the network codes read the same on every platform
// (MinGW's C library has no text for them: "Unknown error"); other codes
// read as their message().
TEST(ErrorText, network_codes_read_as_on_posix) {
  EXPECT_EQ(asyncore::error_text(std::make_error_code(std::errc::connection_refused)), "Connection refused");
  EXPECT_EQ(asyncore::error_text(std::make_error_code(std::errc::connection_reset)), "Connection reset by peer");
  EXPECT_NE(asyncore::error_text(std::make_error_code(std::errc::timed_out)).find("timed out"), std::string::npos)
      << asyncore::error_text(std::make_error_code(std::errc::timed_out));
  const std::error_code own = asyncore::make_error_code(asyncore::errc::record_too_long);
  EXPECT_EQ(asyncore::error_text(own), own.message());
  const std::error_code plain = std::make_error_code(std::errc::interrupted);
  EXPECT_EQ(asyncore::error_text(plain), plain.message());
}

}  // namespace
