// SPDX-License-Identifier: MIT
// The leak check's census on POSIX (tests/support.cpp): the descriptors this
// process holds, from /proc/self/fd where there is one (Linux, also under
// qemu-user), otherwise by probing every descriptor below the limit with
// fcntl(F_GETFD).
#include "support.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace asyncore_test {

namespace {

std::string describe_fd(int fd) {
  std::string name = "fd " + std::to_string(fd);
  char link[64], target[256];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = ::readlink(link, target, sizeof target - 1);
  if (n > 0) {
    target[n] = '\0';
    name += " (";
    name += target;
    name += ")";
  }
  return name;
}

bool census_from_proc(handle_census& c) {
  DIR* d = ::opendir("/proc/self/fd");
  if (!d) return false;
  const int own = ::dirfd(d);
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    int fd = std::atoi(e->d_name);
    if (fd == own) continue;
    c.handles.push_back(describe_fd(fd));
  }
  ::closedir(d);
  return true;
}

void census_by_probing(handle_census& c) {
  struct rlimit r {};
  long limit = 1024;
  if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur != RLIM_INFINITY) limit = static_cast<long>(r.rlim_cur);
  if (limit > 65536) limit = 65536;
  for (int fd = 0; fd < limit; ++fd)
    if (::fcntl(fd, F_GETFD) >= 0) c.handles.push_back(describe_fd(fd));
}

}  // namespace

handle_census take_handle_census() {
  handle_census c;
  c.what = "descriptor";
  if (!census_from_proc(c)) census_by_probing(c);
  return c;
}

}  // namespace asyncore_test
