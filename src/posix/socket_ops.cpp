// asyncore for C++ (POSIX): the socket half of the platform interface.
#include "../platform.hpp"
#include "posix.hpp"
#include "syscalls.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

namespace asyncore {
namespace detail {

namespace posix {
namespace {

int accept_nonblocking(int fd, sockaddr* sa, socklen_t* len) {
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
  return ::accept4(fd, sa, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
  int c = ::accept(fd, sa, len);
  if (c >= 0) {
    ::fcntl(c, F_SETFD, FD_CLOEXEC);
    ::fcntl(c, F_SETFL, ::fcntl(c, F_GETFL) | O_NONBLOCK);
  }
  return c;
#endif
}

syscall_table make_real() {
  syscall_table t;
  t.poll = &::poll;
  t.select = &::select;
  t.recv = &::recv;
  t.send = &::send;
  t.accept = &accept_nonblocking;
  return t;
}

const syscall_table g_real = make_real();
syscall_table g_sys = g_real;

}  // namespace

syscall_table& sys() noexcept { return g_sys; }
const syscall_table& real_sys() noexcept { return g_real; }

socklen_t to_native(const address& a, sockaddr_storage& ss, std::error_code& ec) noexcept {
  std::memset(&ss, 0, sizeof ss);
  ec.clear();
  switch (a.get_family()) {
    case family::inet: {
      auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
      sin->sin_family = AF_INET;
      sin->sin_port = htons(a.port());
      std::memcpy(&sin->sin_addr, a.bytes(), 4);
      return sizeof(sockaddr_in);
    }
    case family::inet6: {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons(a.port());
      sin6->sin6_flowinfo = htonl(a.flowinfo());
      sin6->sin6_scope_id = a.scope_id();
      std::memcpy(&sin6->sin6_addr, a.bytes(), 16);
      return sizeof(sockaddr_in6);
    }
    case family::local: {
      auto* sun = reinterpret_cast<sockaddr_un*>(&ss);
      const std::string& p = a.path();
      // A path needs its terminating NUL inside sun_path. An abstract name
      // (leading NUL, Linux) is counted by the length, not terminated, so it
      // may fill sun_path completely, as Linux and Python allow.
      const bool abstract = !p.empty() && p[0] == '\0';
      if (abstract ? p.size() > sizeof sun->sun_path : p.size() >= sizeof sun->sun_path) {
        ec = std::make_error_code(std::errc::filename_too_long);
        return 0;
      }
      sun->sun_family = AF_UNIX;
      std::memcpy(sun->sun_path, p.data(), p.size());
      return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + p.size() + (abstract ? 0 : 1));
    }
    case family::unspec:
      break;
  }
  ec = make_error_code(errc::invalid_address);
  return 0;
}

address from_native(const sockaddr* sa, socklen_t len) {
  if (len < static_cast<socklen_t>(sizeof(sa_family_t))) return address();
  switch (sa->sa_family) {
    case AF_INET: {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(sa);
      return address::from_bytes(family::inet, reinterpret_cast<const std::uint8_t*>(&sin->sin_addr),
                                 ntohs(sin->sin_port));
    }
    case AF_INET6: {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sa);
      return address::from_bytes(family::inet6, reinterpret_cast<const std::uint8_t*>(&sin6->sin6_addr),
                                 ntohs(sin6->sin6_port), sin6->sin6_scope_id, ntohl(sin6->sin6_flowinfo));
    }
    case AF_UNIX: {
      const auto* sun = reinterpret_cast<const sockaddr_un*>(sa);
      std::size_t n = len > static_cast<socklen_t>(offsetof(sockaddr_un, sun_path))
                          ? static_cast<std::size_t>(len) - offsetof(sockaddr_un, sun_path)
                          : 0;
      if (n > sizeof sun->sun_path) n = sizeof sun->sun_path;
      if (n && sun->sun_path[0] != '\0') n = ::strnlen(sun->sun_path, n);  // a path, NUL-terminated
      return address::local(std::string_view(sun->sun_path, n));
    }
    default:
      return address();
  }
}

}  // namespace posix

namespace platform {

using posix::last_error;
using posix::sys;

namespace {

int native_family(family f) {
  switch (f) {
    case family::inet:
      return AF_INET;
    case family::inet6:
      return AF_INET6;
    case family::local:
      return AF_UNIX;
    case family::unspec:
      break;
  }
  return AF_UNSPEC;
}

int fd_of(handle h) { return static_cast<int>(h); }

bool set_flag(int fd, int get, int set, int flag, bool on, std::error_code& ec) {
  int v = ::fcntl(fd, get);
  if (v < 0) {
    ec = last_error();
    return false;
  }
  int nv = on ? (v | flag) : (v & ~flag);
  if (nv != v && ::fcntl(fd, set, nv) < 0) {
    ec = last_error();
    return false;
  }
  return true;
}

// write(2) on a pipe whose reader is gone raises SIGPIPE; MSG_NOSIGNAL only
// exists for sockets. Block the signal in this thread for the call and
// consume it if the call raised it, so the process's handlers are untouched.
ssize_t write_nosigpipe(int fd, const void* p, std::size_t n) {
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigset_t pending;
  sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  ssize_t r = ::write(fd, p, n);
  int saved = errno;
  if (r < 0 && saved == EPIPE && !was_pending) {
    timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  errno = saved;
  return r;
}

}  // namespace

handle open(family f, socket_type t, std::error_code& ec) noexcept {
  ec.clear();
  int domain = native_family(f);
  if (domain == AF_UNSPEC) {
    ec = make_error_code(errc::invalid_address);
    return invalid_handle;
  }
  int type = t == socket_type::dgram ? SOCK_DGRAM : SOCK_STREAM;
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
  int fd = ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ec = last_error();
    return invalid_handle;
  }
#else
  int fd = ::socket(domain, type, 0);
  if (fd < 0) {
    ec = last_error();
    return invalid_handle;
  }
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
#endif
#ifdef SO_NOSIGPIPE
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
  return fd;
}

void close(handle h, std::error_code& ec) noexcept {
  ec.clear();
  // POSIX leaves the descriptor's state unspecified after EINTR; on Linux it
  // is closed, so never retry (a retry could close a reused descriptor).
  if (::close(fd_of(h)) < 0 && errno != EINTR) ec = last_error();
}

void bind(handle h, const address& a, std::error_code& ec) noexcept {
  sockaddr_storage ss;
  socklen_t len = posix::to_native(a, ss, ec);
  if (ec) return;
  if (::bind(fd_of(h), reinterpret_cast<sockaddr*>(&ss), len) < 0) ec = last_error();
}

void listen(handle h, int backlog, std::error_code& ec) noexcept {
  ec.clear();
  if (::listen(fd_of(h), backlog) < 0) ec = last_error();
}

void connect(handle h, const address& a, std::error_code& ec) noexcept {
  sockaddr_storage ss;
  socklen_t len = posix::to_native(a, ss, ec);
  if (ec) return;
  if (::connect(fd_of(h), reinterpret_cast<sockaddr*>(&ss), len) == 0) return;
  int e = errno;
  // An interrupted connect goes on in the background, like EINPROGRESS.
  if (e == EINPROGRESS || e == EINTR) {
    ec = std::make_error_code(std::errc::operation_in_progress);
  } else if (e == EAGAIN && a.get_family() == family::local) {
    // A full AF_UNIX backlog: Linux says EAGAIN where TCP would queue.
    ec = std::make_error_code(std::errc::resource_unavailable_try_again);
  } else {
    ec = posix::translate(e);
  }
}

handle accept(handle h, address* peer, std::error_code& ec) noexcept {
  ec.clear();
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  int c;
  do {
    c = sys().accept(fd_of(h), reinterpret_cast<sockaddr*>(&ss), &len);
  } while (c < 0 && errno == EINTR);
  if (c < 0) {
    ec = last_error();
    return invalid_handle;
  }
#ifdef SO_NOSIGPIPE
  int one = 1;
  ::setsockopt(c, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
  if (peer) *peer = posix::from_native(reinterpret_cast<sockaddr*>(&ss), len);
  return c;
}

std::size_t send(handle h, const void* p, std::size_t n, bool oob, std::error_code& ec) noexcept {
  ec.clear();
  int flags = oob ? MSG_OOB : 0;
#ifdef MSG_NOSIGNAL
  flags |= MSG_NOSIGNAL;
#endif
  ssize_t r;
  do {
    r = sys().send(fd_of(h), p, n, flags);
  } while (r < 0 && errno == EINTR);
  if (r < 0 && errno == ENOTSOCK && !oob) {  // a file_dispatcher's descriptor
    do {
      r = write_nosigpipe(fd_of(h), p, n);
    } while (r < 0 && errno == EINTR);
  }
  if (r < 0) {
    ec = last_error();
    return 0;
  }
  return static_cast<std::size_t>(r);
}

std::size_t recv(handle h, void* p, std::size_t n, std::error_code& ec) noexcept {
  ec.clear();
  ssize_t r;
  do {
    r = sys().recv(fd_of(h), p, n, 0);
  } while (r < 0 && errno == EINTR);
  if (r < 0 && errno == ENOTSOCK) {  // a file_dispatcher's descriptor
    do {
      r = ::read(fd_of(h), p, n);
    } while (r < 0 && errno == EINTR);
  }
  if (r < 0) {
    ec = last_error();
    return 0;
  }
  return static_cast<std::size_t>(r);
}

std::size_t sendto(handle h, const void* p, std::size_t n, const address& to, std::error_code& ec) noexcept {
  sockaddr_storage ss;
  socklen_t len = posix::to_native(to, ss, ec);
  if (ec) return 0;
  int flags = 0;
#ifdef MSG_NOSIGNAL
  flags |= MSG_NOSIGNAL;
#endif
  ssize_t r;
  do {
    r = ::sendto(fd_of(h), p, n, flags, reinterpret_cast<sockaddr*>(&ss), len);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    ec = last_error();
    return 0;
  }
  return static_cast<std::size_t>(r);
}

std::size_t recvfrom(handle h, void* p, std::size_t n, address& from, std::error_code& ec) noexcept {
  ec.clear();
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  ssize_t r;
  do {
    r = ::recvfrom(fd_of(h), p, n, 0, reinterpret_cast<sockaddr*>(&ss), &len);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    ec = last_error();
    return 0;
  }
  from = posix::from_native(reinterpret_cast<sockaddr*>(&ss), len);
  return static_cast<std::size_t>(r);
}

void shutdown(handle h, shutdown_type how, std::error_code& ec) noexcept {
  ec.clear();
  int v = how == shutdown_type::receive ? SHUT_RD : how == shutdown_type::send ? SHUT_WR : SHUT_RDWR;
  if (::shutdown(fd_of(h), v) < 0) ec = last_error();
}

address local_address(handle h, std::error_code& ec) {
  ec.clear();
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (::getsockname(fd_of(h), reinterpret_cast<sockaddr*>(&ss), &len) < 0) {
    ec = last_error();
    return address();
  }
  return posix::from_native(reinterpret_cast<sockaddr*>(&ss), len);
}

address peer_address(handle h, std::error_code& ec) {
  ec.clear();
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (::getpeername(fd_of(h), reinterpret_cast<sockaddr*>(&ss), &len) < 0) {
    ec = last_error();
    return address();
  }
  return posix::from_native(reinterpret_cast<sockaddr*>(&ss), len);
}

namespace {
bool option(sockopt opt, int& level, int& name) {
  switch (opt) {
    case sockopt::reuse_addr:
      level = SOL_SOCKET, name = SO_REUSEADDR;
      return true;
    case sockopt::error:
      level = SOL_SOCKET, name = SO_ERROR;
      return true;
    case sockopt::type:
      level = SOL_SOCKET, name = SO_TYPE;
      return true;
    case sockopt::keep_alive:
      level = SOL_SOCKET, name = SO_KEEPALIVE;
      return true;
    case sockopt::broadcast:
      level = SOL_SOCKET, name = SO_BROADCAST;
      return true;
    case sockopt::rcvbuf:
      level = SOL_SOCKET, name = SO_RCVBUF;
      return true;
    case sockopt::sndbuf:
      level = SOL_SOCKET, name = SO_SNDBUF;
      return true;
    case sockopt::tcp_nodelay:
      level = IPPROTO_TCP, name = TCP_NODELAY;
      return true;
    case sockopt::v6only:
      level = IPPROTO_IPV6, name = IPV6_V6ONLY;
      return true;
    case sockopt::linger:
      level = SOL_SOCKET, name = SO_LINGER;
      return true;
  }
  return false;
}
}  // namespace

int getsockopt(handle h, sockopt opt, std::error_code& ec) noexcept {
  ec.clear();
  int level = 0, name = 0;
  if (!option(opt, level, name)) {
    ec = std::make_error_code(std::errc::no_protocol_option);
    return 0;
  }
  if (opt == sockopt::linger) {
    struct linger l {};
    socklen_t len = sizeof l;
    if (::getsockopt(fd_of(h), level, name, &l, &len) < 0) {
      ec = last_error();
      return 0;
    }
    return l.l_onoff ? l.l_linger : -1;
  }
  int v = 0;
  socklen_t len = sizeof v;
  if (::getsockopt(fd_of(h), level, name, &v, &len) < 0) {
    ec = last_error();
    return 0;
  }
  if (opt == sockopt::error) return posix::translate(v).value();
  return v;
}

void setsockopt(handle h, sockopt opt, int value, std::error_code& ec) noexcept {
  ec.clear();
  int level = 0, name = 0;
  if (!option(opt, level, name) || opt == sockopt::error || opt == sockopt::type) {
    ec = std::make_error_code(std::errc::no_protocol_option);
    return;
  }
  int r;
  if (opt == sockopt::linger) {
    struct linger l {};
    l.l_onoff = value >= 0;
    l.l_linger = value >= 0 ? value : 0;
    r = ::setsockopt(fd_of(h), level, name, &l, sizeof l);
  } else {
    r = ::setsockopt(fd_of(h), level, name, &value, sizeof value);
  }
  if (r < 0) ec = last_error();
}

std::error_code pending_error(handle h) noexcept {
  int v = 0;
  socklen_t len = sizeof v;
  if (::getsockopt(fd_of(h), SOL_SOCKET, SO_ERROR, &v, &len) < 0) {
    if (errno == ENOTSOCK) return {};  // a file: Python's file_wrapper answers 0
    return last_error();
  }
  return posix::translate(v);
}

void set_reuse_addr(handle h, std::error_code& ec) noexcept {
  ec.clear();
  int one = 1;
  if (::setsockopt(fd_of(h), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) ec = last_error();
}

void set_blocking(handle h, bool blocking, std::error_code& ec) noexcept {
  ec.clear();
  set_flag(fd_of(h), F_GETFL, F_SETFL, O_NONBLOCK, !blocking, ec);
}

bool blocking(handle h, std::error_code& ec) noexcept {
  ec.clear();
  int v = ::fcntl(fd_of(h), F_GETFL);
  if (v < 0) {
    ec = last_error();
    return false;
  }
  return (v & O_NONBLOCK) == 0;
}

bool inheritable(handle h, std::error_code& ec) noexcept {
  ec.clear();
  int v = ::fcntl(fd_of(h), F_GETFD);
  if (v < 0) {
    ec = last_error();
    return false;
  }
  return (v & FD_CLOEXEC) == 0;
}

family get_family(handle h, std::error_code& ec) noexcept {
  ec.clear();
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (::getsockname(fd_of(h), reinterpret_cast<sockaddr*>(&ss), &len) < 0) {
    ec = last_error();
    return family::unspec;
  }
  switch (ss.ss_family) {
    case AF_INET:
      return family::inet;
    case AF_INET6:
      return family::inet6;
    case AF_UNIX:
      return family::local;
    default:
      return family::unspec;
  }
}

socket_type get_type(handle h, std::error_code& ec) noexcept {
  int v = getsockopt(h, sockopt::type, ec);
  return v == SOCK_DGRAM ? socket_type::dgram : socket_type::stream;
}

void socket_pair(handle out[2], std::error_code& ec) noexcept {
  ec.clear();
  int sv[2];
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
    ec = last_error();
    return;
  }
#else
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
    ec = last_error();
    return;
  }
  for (int fd : sv) {
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
#endif
  out[0] = sv[0];
  out[1] = sv[1];
}

address resolve(std::string_view host, std::uint16_t port, family f, std::error_code& ec) {
  ec.clear();
  addrinfo hints{};
  hints.ai_family = f == family::inet ? AF_INET : f == family::inet6 ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string h(host);
  int rc = ::getaddrinfo(h.c_str(), nullptr, &hints, &res);
  if (rc != 0 || !res) {
    ec = rc == EAI_SYSTEM ? last_error() : make_error_code(errc::invalid_address);
    return address();
  }
  address a = posix::from_native(res->ai_addr, res->ai_addrlen);
  ::freeaddrinfo(res);
  a.set_port(port);
  return a;
}

std::int64_t monotonic_us() noexcept {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

void sleep_us(std::int64_t us) noexcept {
  if (us < 0) {
    for (;;) ::pause();
  }
  timespec req;
  std::int64_t sec = us / 1000000;
  if (sec > 0x7fffffff) sec = 0x7fffffff;  // 32-bit time_t (armhf)
  req.tv_sec = static_cast<time_t>(sec);
  req.tv_nsec = static_cast<long>(us % 1000000) * 1000;
  timespec rem;
  while (::nanosleep(&req, &rem) < 0 && errno == EINTR) req = rem;
}

const capabilities& caps() noexcept {
  static const capabilities c = [] {
    capabilities k{};
    k.platform = "posix";
    k.local = true;
    k.oob = true;
    k.files = true;
    k.pollhup = true;
    int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
    if (fd >= 0) {
      sockaddr_in6 sin6{};
      sin6.sin6_family = AF_INET6;
      sin6.sin6_addr = in6addr_loopback;
      k.ipv6 = ::bind(fd, reinterpret_cast<sockaddr*>(&sin6), sizeof sin6) == 0;
      ::close(fd);
    }
    return k;
  }();
  return c;
}

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
