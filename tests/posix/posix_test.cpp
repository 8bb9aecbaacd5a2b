// SPDX-License-Identifier: MIT
// DESIGN.md §5 fixes that need POSIX facilities to provoke: SIGPIPE,
// descriptor exhaustion, descriptors above FD_SETSIZE, EINTR and
// sub-millisecond timeouts (through the system-call seam, so no timing).
#include <asyncore/asyncore.hpp>

#include "posix/syscalls.hpp"
#include "support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/epoll.h>
#endif

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#if defined(__linux__)
// The epoll backend calls epoll_wait directly: the system-call seam
// (src/posix/syscalls.hpp) has no entry for it. So this binary provides
// epoll_wait itself. A definition in the executable comes before the C
// library's for every caller, the library's static or shared object
// included; it hands the call to g_epoll_hook when a test set one, and
// otherwise to epoll_pwait with no signal mask, which is epoll_wait by
// definition (epoll_wait(2)).
static int (*g_epoll_hook)(int, struct epoll_event*, int, int) = nullptr;
extern "C" int epoll_wait(int epfd, struct epoll_event* events, int maxevents, int timeout) {
  if (g_epoll_hook) return g_epoll_hook(epfd, events, maxevents, timeout);
  return ::epoll_pwait(epfd, events, maxevents, timeout, nullptr);
}
#endif

namespace {

using namespace asyncore_test;
namespace posix = asyncore::detail::posix;

class Posix : public testing::TestWithParam<param> {
 protected:
  void SetUp() override { ASYNCORE_SKIP_UNSUPPORTED(GetParam()); }
  void TearDown() override {
    posix::sys() = posix::real_sys();
#if defined(__linux__)
    g_epoll_hook = nullptr;
#endif
    asyncore::close_all(&map_, true);
  }
  backend be() const { return GetParam().be; }
  asyncore::socket_map map_;
};

struct reader : asyncore::dispatcher {
  using dispatcher::dispatcher;
  int reads = 0;
  bool writable() override { return false; }
  void handle_read() override { ++reads; }
};

// -- DESIGN §5.6: no SIGPIPE, and the process's handlers are untouched --------------

volatile sig_atomic_t g_sigpipes = 0;
void count_sigpipe(int) { g_sigpipes = g_sigpipes + 1; }

TEST_P(Posix, test_no_sigpipe) {
  struct sigaction sa {}, old {};
  sa.sa_handler = count_sigpipe;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(::sigaction(SIGPIPE, &sa, &old), 0);
  g_sigpipes = 0;

  // A socket whose peer is gone.
  asyncore::socket a, b;
  std::error_code ec;
  (void)asyncore::socket_pair(a, b, ec);
  b.close();
  struct chan : asyncore::dispatcher {
    using dispatcher::dispatcher;
    int closes = 0;
    void handle_close() override {
      ++closes;
      close();
    }
  } c(&map_);
  c.set_socket(std::move(a));
  EXPECT_EQ(c.send("x", 1, ec), 0u);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(c.closes, 1);  // EPIPE is a disconnect: handle_close

  // A pipe whose reader is gone, through file_dispatcher's write path.
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  ::close(p[0]);
  asyncore::socket w(p[1]);
  (void)w.send("x", 1, ec);
  EXPECT_EQ(ec, std::errc::broken_pipe);

  struct sigaction now {};
  ::sigaction(SIGPIPE, nullptr, &now);
  EXPECT_EQ(now.sa_handler, &count_sigpipe);  // never replaced
  ::sigaction(SIGPIPE, &old, nullptr);
  EXPECT_EQ(g_sigpipes, 0);
}

// -- DESIGN §5.5: running out of descriptors never closes the listener and
// never spins -------------------------------------------------------------------

TEST_P(Posix, test_accept_emfile_keeps_listener_and_does_not_spin) {
  struct counting_server : base_server {
    using base_server::base_server;
    int accepted = 0, errors = 0;
    std::vector<asyncore::socket> keep;
    void handle_accept() override {
      std::error_code ec;
      auto r = accept(ec);
      if (r) {
        ++accepted;
        keep.push_back(std::move(r->sock));
      } else if (ec) {
        ++errors;
        EXPECT_EQ(ec, std::errc::too_many_files_open) << ec.message();
      }
    }
  };
  counting_server server(&map_, bind_address(GetParam().fam));
  address to = server.address_();
  std::error_code ec;
  asyncore::poll_once(0, be(), &map_, ec);  // the loop runs before the descriptors run out
  ASSERT_FALSE(ec);
  // Clients from another map, so the loop under test only serves the server.
  std::vector<asyncore::socket> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(asyncore::socket::open(GetParam().fam, asyncore::socket_type::stream, ec));
    clients.back().connect(to, ec);
    if (ec == std::errc::operation_in_progress) ec.clear();
    ASSERT_FALSE(ec) << ec.message();
  }
  // Use up the descriptors: lower the limit to what is open now.
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old), 0);
  int highest = 0;
  for (int fd = 0; fd < 4096; ++fd)
    if (::fcntl(fd, F_GETFD) >= 0) highest = fd;
  struct rlimit low = old;
  low.rlim_cur = static_cast<rlim_t>(highest + 1);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> fillers;  // fill the holes below the limit
  for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) fillers.push_back(fd);
  ASSERT_EQ(errno, EMFILE);

  // 0.3 s of loop with 50 ms timeouts: a spinning loop runs thousands of
  // iterations; a paused listener wakes only when its pause ends.
  int iterations = 0;
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  while (std::chrono::steady_clock::now() < end) {
    asyncore::poll_once(0.05, be(), &map_, ec);
    ASSERT_FALSE(ec);
    ++iterations;
  }
  EXPECT_GE(server.errors, 1);
  EXPECT_EQ(server.accepted, 0);
  EXPECT_TRUE(server.registered());  // the listener is still open
  EXPECT_TRUE(server.accepting);
  EXPECT_LT(iterations, 100) << "the loop spun while out of descriptors";

  // Descriptors come back: the pending connections are accepted.
  for (int fd : fillers) ::close(fd);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &old), 0);
  EXPECT_TRUE(loop_until([&] { return server.accepted == 3; }, map_, be()));
}

// -- DESIGN §5.8 / CPython: select cannot watch descriptors >= FD_SETSIZE --------

TEST_P(Posix, test_select_rejects_fd_above_fd_setsize) {
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old), 0);
  const int high = FD_SETSIZE + 10;
  if (old.rlim_max <= static_cast<rlim_t>(high)) GTEST_SKIP() << "cannot open descriptors above FD_SETSIZE";
  struct rlimit more = old;
  if (more.rlim_cur <= static_cast<rlim_t>(high)) more.rlim_cur = static_cast<rlim_t>(high + 1);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &more), 0);

  asyncore::socket a, b, c, d;
  std::error_code ec;
  (void)asyncore::socket_pair(a, b, ec);
  (void)asyncore::socket_pair(c, d, ec);
  const int original = static_cast<int>(a.release());
  int moved = ::fcntl(original, F_DUPFD_CLOEXEC, high);
  ::close(original);  // the copy above FD_SETSIZE replaces it
  ASSERT_GE(moved, FD_SETSIZE);

  struct chan : reader {
    using reader::reader;
    std::error_code error;
    void handle_error(const asyncore::error_cause& cause) override {
      error = cause.code;
      close();
    }
  } big(&map_), small(&map_);
  big.set_socket(asyncore::socket(moved));
  small.set_socket(std::move(c));
  (void)d.send("x", 1, ec);
  (void)b.send("y", 1, ec);

  asyncore::poll_once(1.0, be(), &map_, ec);
  ASSERT_FALSE(ec) << ec.message();
  if (be() == backend::select) {
    EXPECT_EQ(big.error, asyncore::errc::descriptor_out_of_range);
    EXPECT_FALSE(big.registered());
  } else {
    EXPECT_FALSE(big.error);
    EXPECT_EQ(big.reads, 1);
  }
  EXPECT_EQ(small.reads, 1);  // the other channels go on
  big.close();
  ::setrlimit(RLIMIT_NOFILE, &old);
}

// -- DESIGN §5.8: EINTR resumes the wait with the time left --------------------------

int g_interrupts = 0;
std::vector<int> g_poll_timeouts;
int interrupting_poll(struct pollfd* f, nfds_t n, int timeout) {
  g_poll_timeouts.push_back(timeout);
  if (g_interrupts > 0) {
    --g_interrupts;
    errno = EINTR;
    return -1;
  }
  return posix::real_sys().poll(f, n, timeout);
}
int interrupting_select(int n, fd_set* r, fd_set* w, fd_set* e, struct timeval* tv) {
  g_poll_timeouts.push_back(tv ? static_cast<int>(tv->tv_sec * 1000 + tv->tv_usec / 1000) : -1);
  if (g_interrupts > 0) {
    --g_interrupts;
    errno = EINTR;
    return -1;
  }
  return posix::real_sys().select(n, r, w, e, tv);
}
#if defined(__linux__)
int interrupting_epoll(int epfd, struct epoll_event* events, int maxevents, int timeout) {
  g_poll_timeouts.push_back(timeout);
  if (g_interrupts > 0) {
    --g_interrupts;
    errno = EINTR;
    return -1;
  }
  return ::epoll_pwait(epfd, events, maxevents, timeout, nullptr);
}
#endif
// Every backend's wait goes through the functions above.
void interrupt_waits() {
  posix::sys().poll = interrupting_poll;
  posix::sys().select = interrupting_select;
#if defined(__linux__)
  g_epoll_hook = interrupting_epoll;
#endif
}

TEST_P(Posix, test_eintr_retries_with_time_left) {
  interrupt_waits();
  asyncore::socket a, b;
  std::error_code ec;
  (void)asyncore::socket_pair(a, b, ec);
  reader r(&map_);
  r.set_socket(std::move(a));
  (void)b.send("x", 1, ec);
  g_interrupts = 2;
  g_poll_timeouts.clear();
  asyncore::poll_once(0.5, be(), &map_, ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(r.reads, 1);  // the iteration went on to dispatch
  ASSERT_EQ(g_poll_timeouts.size(), 3u);
  EXPECT_LE(g_poll_timeouts[1], g_poll_timeouts[0]);
  EXPECT_LE(g_poll_timeouts[2], g_poll_timeouts[1]);
  EXPECT_GT(g_poll_timeouts[0], 400);
}

// A real signal during a wait does not end the loop's iteration early.
void ignore_signal(int) {}

// Installs `handler` for SIGALRM (no SA_RESTART: a wait returns EINTR) and
// arms a one-shot 20 ms timer; the destructor puts the old handler back.
struct alarm_in_20ms {
  explicit alarm_in_20ms(void (*handler)(int)) {
    struct sigaction sa {};
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    ok = ::sigaction(SIGALRM, &sa, &old) == 0;
    itimerval it{};
    it.it_value.tv_usec = 20000;
    if (ok) ::setitimer(ITIMER_REAL, &it, nullptr);
  }
  ~alarm_in_20ms() {
    itimerval off{};
    ::setitimer(ITIMER_REAL, &off, nullptr);
    if (ok) ::sigaction(SIGALRM, &old, nullptr);
  }
  struct sigaction old {};
  bool ok = false;
};

TEST_P(Posix, test_signal_does_not_shorten_timeout) {
  asyncore::socket a, b;
  std::error_code ec;
  (void)asyncore::socket_pair(a, b, ec);
  reader r(&map_);
  r.set_socket(std::move(a));
  double took;
  {
    alarm_in_20ms alarm(ignore_signal);  // 20 ms into a 200 ms wait
    ASSERT_TRUE(alarm.ok);
    auto t0 = std::chrono::steady_clock::now();
    asyncore::poll_once(0.2, be(), &map_, ec);
    took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_GE(took, 0.19);
  EXPECT_EQ(r.reads, 0);
}

// -- request_exit from a signal handler (the examples' SIGTERM/SIGINT) -------------

asyncore::socket_map* g_exit_map = nullptr;
void request_exit_from_signal(int) { g_exit_map->request_exit(); }

TEST_P(Posix, test_request_exit_from_signal_handler_ends_loop) {
  g_exit_map = &map_;
  asyncore::socket a, b;
  std::error_code ec;
  (void)asyncore::socket_pair(a, b, ec);
  reader r(&map_);
  r.set_socket(std::move(a));
  double took;
  {
    alarm_in_20ms alarm(request_exit_from_signal);  // into a wait of up to 30 s, or before it began
    ASSERT_TRUE(alarm.ok);
    auto t0 = std::chrono::steady_clock::now();
    asyncore::loop(30.0, be(), &map_, std::nullopt, ec);
    took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_LT(took, 10.0);         // ended by the request, not by the timeout
  EXPECT_EQ(map_.size(), 1u);    // nor for want of channels
  EXPECT_EQ(r.reads, 0);
}

std::atomic<int> g_wake_writes{0};

TEST_P(Posix, test_request_exit_keeps_errno) {
  asyncore::socket a, b;
  std::error_code ec;
  (void)asyncore::socket_pair(a, b, ec);
  reader r(&map_);
  r.set_socket(std::move(a));
  asyncore::poll_once(0, be(), &map_, ec);  // the wake-up handle exists from the first iteration on
  ASSERT_FALSE(ec) << ec.message();
  g_wake_writes = 0;
  posix::sys().wake_write = [](int, const void*, size_t) -> ssize_t {
    ++g_wake_writes;
    errno = EAGAIN;  // a saturated counter, a full pipe
    return -1;
  };
  errno = EDOM;  // what the code a signal interrupted had in errno
  map_.request_exit();
  EXPECT_EQ(errno, EDOM);
  EXPECT_EQ(g_wake_writes.load(), 1);
}

// -- DESIGN §5.8: sub-millisecond timeouts round up, never down to a busy spin -----

TEST_P(Posix, test_submillisecond_timeout_rounds_up) {
  interrupt_waits();
  asyncore::socket a, b;
  std::error_code ec;
  (void)asyncore::socket_pair(a, b, ec);
  reader r(&map_);
  r.set_socket(std::move(a));
  g_interrupts = 0;
  g_poll_timeouts.clear();
  asyncore::poll_once(0.0009, be(), &map_, ec);
  ASSERT_EQ(g_poll_timeouts.size(), 1u);
  if (be() != backend::select) {
    EXPECT_EQ(g_poll_timeouts[0], 1);  // CPython's poll2: int(0.0009*1000) == 0
  } else {
    EXPECT_EQ(g_poll_timeouts[0], 0);  // select takes microseconds: 900 us
  }
}

// -- the poll backend's persistent pollfd array ---------------------------------------

std::vector<std::vector<pollfd>> g_poll_arrays;
int recording_poll(struct pollfd* f, nfds_t n, int timeout) {
  g_poll_arrays.emplace_back(f, f + n);
  return posix::real_sys().poll(f, n, timeout);
}

// The array is kept between iterations and only the sampled entries are
// rewritten: a channel that leaves must drop out of it at once (its
// descriptor is closed, and poll would report POLLNVAL on every wait), and a
// descriptor reused by a new channel must be watched for the new one only.
TEST_P(Posix, test_poll_array_follows_closes_and_reuse) {
  if (be() != backend::poll) GTEST_SKIP() << "the persistent pollfd array is the poll backend's";
  posix::sys().poll = recording_poll;
  std::error_code ec;
  asyncore::socket a1, b1, a2, b2;
  (void)asyncore::socket_pair(a1, b1, ec);
  ASSERT_FALSE(ec);
  (void)asyncore::socket_pair(a2, b2, ec);
  ASSERT_FALSE(ec);
  reader r1(&map_), r2(&map_);
  r1.set_stable_predicates();
  r2.set_stable_predicates();
  r1.set_socket(std::move(a1));
  r2.set_socket(std::move(a2));
  // Enough other channels that one close leaves a hole in the slots instead
  // of compacting them (a compaction rewrites the whole array).
  std::vector<std::unique_ptr<reader>> others;
  std::vector<asyncore::socket> peers;
  for (int k = 0; k < 8; ++k) {
    asyncore::socket x, y;
    (void)asyncore::socket_pair(x, y, ec);
    ASSERT_FALSE(ec);
    others.push_back(std::make_unique<reader>(&map_));
    others.back()->set_stable_predicates();
    others.back()->set_socket(std::move(x));
    peers.push_back(std::move(y));
  }
  const int fd1 = static_cast<int>(r1.fileno());
  // One iteration; how many entries of the array it polled watch `fd`.
  auto iterate_watching = [&](int fd) {
    g_poll_arrays.clear();
    asyncore::poll_once(0.0, be(), &map_, ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(g_poll_arrays.size(), 1u);
    int k = 0;
    for (const std::vector<pollfd>& arr : g_poll_arrays)
      for (const pollfd& p : arr) k += p.fd == fd;
    return k;
  };
  EXPECT_EQ(iterate_watching(fd1), 1);

  r1.close();  // fd1 is closed: it must not be polled again
  EXPECT_EQ(iterate_watching(fd1), 0);
  EXPECT_EQ(r2.reads, 0);

  // A new channel gets the same descriptor number: watched once, and its
  // data reaches it, not the closed channel's slot.
  asyncore::socket a3, b3;
  (void)asyncore::socket_pair(a3, b3, ec);
  ASSERT_FALSE(ec);
  const int fd3 = static_cast<int>(a3.fileno());
  reader r3(&map_);
  r3.set_stable_predicates();
  r3.set_socket(std::move(a3));
  (void)b3.send("x", 1, ec);
  EXPECT_EQ(iterate_watching(fd3), 1);
  EXPECT_EQ(r3.reads, 1);
  EXPECT_EQ(r2.reads, 0);
  if (fd3 != fd1) std::printf("note: the descriptor was not reused (%d, %d)\n", fd1, fd3);
}

// -- DESIGN §5.7: not inherited across exec ------------------------------------------

TEST_P(Posix, test_sockets_not_inherited_by_exec) {
  std::error_code ec;
  asyncore::socket s = asyncore::socket::open(GetParam().fam, asyncore::socket_type::stream, ec);
  ASSERT_FALSE(ec);
  int fd = static_cast<int>(s.fileno());
  pid_t pid = ::fork();
  if (pid == 0) {
    char arg[32];
    std::snprintf(arg, sizeof arg, "test -e /proc/self/fd/%d", fd);
    ::execl("/bin/sh", "sh", "-c", arg, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(pid, 0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 127) GTEST_SKIP() << "no /bin/sh";
  EXPECT_NE(WEXITSTATUS(status), 0) << "the child process inherited the socket";
}

INSTANTIATE_TEST_SUITE_P(asyncore, Posix, testing::ValuesIn(backend_params()), param_name);

}  // namespace
