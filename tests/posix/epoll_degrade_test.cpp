// SPDX-License-Identifier: MIT
// A map whose first epoll loop runs while descriptors are exhausted: the
// epoll descriptor cannot be made, and the map is served by poll instead of
// loop() throwing (the application would die where Python code expects the
// loop to go on).
#include <asyncore/asyncore.hpp>

#include "support.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace {

class reader : public asyncore::dispatcher {
 public:
  reader(asyncore::socket s, asyncore::socket_map* map) : dispatcher(map) { set_socket(std::move(s), map); }
  bool writable() override { return false; }
  void handle_read() override {
    char buf[64];
    std::error_code ec;
    const std::size_t n = recv(buf, sizeof buf, ec);
    got.append(buf, n);
  }
  void handle_close() override { close(); }
  std::string got;
};

TEST(EpollDegrade, test_epoll_without_descriptors_degrades_to_poll) {
  if (!asyncore::has_backend(asyncore::backend::epoll)) GTEST_SKIP() << "no epoll on this platform";
  asyncore::socket_map map;
  asyncore::socket a, peer;
  std::error_code ec;
  ASSERT_TRUE(asyncore::socket_pair(a, peer, ec)) << ec.message();
  reader r(std::move(a), &map);
  ASSERT_EQ(peer.send("hi", 2, ec), 2u);
  // The poll backend's poller exists before the descriptors run out (the
  // sanitizers' own checks misfire when an object is made then).
  asyncore::poll_once(0, asyncore::backend::poll, &map, ec);
  ASSERT_TRUE(r.got.empty() || r.got == "hi");
  r.got.clear();
  ASSERT_EQ(peer.send("hi", 2, ec), 2u);

  // UBSan's vptr check validates each dynamic type once and cannot read the
  // process's memory map while descriptors are exhausted: let it see the
  // error categories the degraded path uses (messages, comparisons) now.
  for (const std::error_category* cat : {&std::generic_category(), &std::system_category()}) {
    const std::error_code emfile(EMFILE, *cat);
    EXPECT_FALSE(emfile.message().empty());
    EXPECT_NE(emfile, asyncore::make_error_code(asyncore::errc::backend_unavailable));
    EXPECT_NE(emfile, std::errc::interrupted);
  }
  // Use up the descriptors: lower the limit to what is open now, fill the holes.
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old), 0);
  int highest = 0;
  for (int fd = 0; fd < 4096; ++fd)
    if (::fcntl(fd, F_GETFD) >= 0) highest = fd;
  struct rlimit low = old;
  low.rlim_cur = static_cast<rlim_t>(highest + 1);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> fillers;
  for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) fillers.push_back(fd);
  const int open_errno = errno;

  std::error_code loop_ec;
#if ASYNCORE_HAS_EXCEPTIONS
  bool threw = false;
  try {
    asyncore::loop(1.0, asyncore::backend::epoll, &map, 1);  // the default, throwing overload
  } catch (...) {
    threw = true;
  }
#endif
  asyncore::loop(1.0, asyncore::backend::epoll, &map, 1, loop_ec);

  for (int fd : fillers) ::close(fd);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &old), 0);
  ASSERT_EQ(open_errno, EMFILE);
#if ASYNCORE_HAS_EXCEPTIONS
  EXPECT_FALSE(threw);
#endif
  EXPECT_FALSE(loop_ec) << loop_ec.message();
  EXPECT_EQ(r.got, "hi");  // served (by poll)
  r.close();
}

}  // namespace
