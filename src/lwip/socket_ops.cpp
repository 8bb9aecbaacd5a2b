// asyncore for C++ (lwIP platform): sockets, addresses and options on lwIP's
// sockets API (lwip_* functions only; see lwip.hpp for the include rules).
//
// lwIP differences handled here:
//  - sockets are made non-blocking with lwip_fcntl(F_SETFL, O_NONBLOCK) with
//    no other bit (lwIP rejects any other); there is no FD_CLOEXEC (no child
//    processes) and no SIGPIPE, so inheritable() is always false;
//  - sockaddr structures have sin_len / sin6_len;
//  - no MSG_OOB: send(oob=true) fails with operation_not_supported;
//  - a refused connect is ECONNRESET on lwIP: the connect's result is reported
//    as connection_refused (a blocking connect here, a non-blocking one in
//    pending_error(), which the loop calls to complete a connect);
//  - MEMP_NUM_NETCONN is the descriptor limit: open() and accept() report
//    asyncore::errc::descriptors_exhausted when it is reached; a closed
//    socket's netconn is back in the pool when lwip_close returns (its TCP
//    PCB may stay in TIME_WAIT, which lwIP recycles), so opening works again
//    after closes;
//  - there is no socketpair(): socket_pair() connects two TCP sockets over
//    the loopback interface (127.0.0.1, or ::1 without IPv4);
//  - loopback delivery is asynchronous in lwIP: a segment sent to 127.0.0.1
//    or ::1 is queued on the loopback interface and delivered later by the
//    tcpip thread, so right after send() the peer is not yet readable, and
//    after close() it has not yet seen the FIN (Linux delivers both within
//    the system call). flush_loopback() delivers the queue at once, in the
//    caller's thread under lwIP's core lock (netif_poll, which drains the
//    queue including what the delivered segments send back: ACKs, the rest
//    of a handshake). It runs after send, sendto, connect, shutdown and
//    close, so a peer on the same stack sees the bytes, the connection or
//    the end of stream when the call returns, as on POSIX. Sockets that talk
//    to other hosts only pay one check of each interface's queue;
//  - lwIP has no SO_DOMAIN: the family a socket was opened with is kept in a
//    small table indexed by descriptor (fd_info).
#include "lwip.hpp"

#include "../platform.hpp"

#include <cstring>

namespace asyncore {
namespace detail {
namespace lwip {

namespace {
constexpr int fd_count = MEMP_NUM_NETCONN;
fd_info g_info[fd_count];
}  // namespace

fd_info* info(native_handle_type h) noexcept {
  native_handle_type i = h - LWIP_SOCKET_OFFSET;
  if (i < 0 || i >= fd_count) return nullptr;
  return &g_info[i];
}

socklen_t to_sockaddr(const address& a, sockaddr_storage& ss, std::error_code& ec) noexcept {
  std::memset(&ss, 0, sizeof ss);
  switch (a.get_family()) {
#if LWIP_IPV4
    case family::inet: {
      auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
      sin->sin_len = sizeof(sockaddr_in);
      sin->sin_family = AF_INET;
      sin->sin_port = lwip_htons(a.port());
      std::memcpy(&sin->sin_addr, a.bytes(), 4);
      return sizeof(sockaddr_in);
    }
#endif
#if LWIP_IPV6
    case family::inet6: {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
      sin6->sin6_len = sizeof(sockaddr_in6);
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = lwip_htons(a.port());
      sin6->sin6_flowinfo = lwip_htonl(a.flowinfo());
      std::memcpy(&sin6->sin6_addr, a.bytes(), 16);
      sin6->sin6_scope_id = a.scope_id();
      return sizeof(sockaddr_in6);
    }
#endif
    case family::unspec:
      ec = make_error_code(errc::invalid_address);
      return 0;
    default:
      ec = std::make_error_code(std::errc::address_family_not_supported);
      return 0;
  }
}

address from_sockaddr(const sockaddr* sa, socklen_t len, bool map_v4) noexcept {
  (void)len;
#if LWIP_IPV4
  if (sa->sa_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(sa);
    std::uint8_t b[16];
    std::memcpy(b + 12, &sin->sin_addr, 4);
    std::uint16_t port = lwip_ntohs(sin->sin_port);
    if (!map_v4) return address::from_bytes(family::inet, b + 12, port);
    std::memset(b, 0, 10);
    b[10] = b[11] = 0xff;
    return address::from_bytes(family::inet6, b, port);
  }
#else
  (void)map_v4;
#endif
#if LWIP_IPV6
  if (sa->sa_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sa);
    std::uint8_t b[16];
    std::memcpy(b, &sin6->sin6_addr, 16);
    return address::from_bytes(family::inet6, b, lwip_ntohs(sin6->sin6_port), sin6->sin6_scope_id,
                               lwip_ntohl(sin6->sin6_flowinfo));
  }
#endif
  return address();
}

#if LWIP_NETIF_LOOPBACK
namespace {
err_t poll_loopback(struct tcpip_api_call_data*) {
  // Core context (the tcpip thread, or the caller under the core lock).
  // netif_poll keeps going until the interface's queue is empty, which also
  // covers packets the delivered ones queue in turn.
  for (int round = 0; round < 4; ++round) {
    bool any = false;
    struct netif* n;
    NETIF_FOREACH(n) {
      if (n->loop_first != nullptr) {
        any = true;
        netif_poll(n);
      }
    }
    if (!any) break;
  }
  return ERR_OK;
}
}  // namespace

void flush_loopback() noexcept {
  struct tcpip_api_call_data call;
  std::memset(&call, 0, sizeof call);
  tcpip_api_call(poll_loopback, &call);
}
#else
void flush_loopback() noexcept {}
#endif

namespace {

int domain_of(family f) noexcept {
  switch (f) {
#if LWIP_IPV4
    case family::inet: return AF_INET;
#endif
#if LWIP_IPV6
    case family::inet6: return AF_INET6;
#endif
    default: return -1;
  }
}

bool set_nonblocking(int fd, bool on) noexcept {
  // lwIP's F_SETFL accepts O_NONBLOCK and nothing else (F_GETFL also returns
  // the O_RDWR bits, which must not be passed back).
  return lwip_fcntl(fd, F_SETFL, on ? O_NONBLOCK : 0) == 0;
}

int fd_of(platform::handle h, std::error_code& ec) noexcept {
  if (h == invalid_handle || h < 0 || h > 0x7fffffff) {
    ec = std::make_error_code(std::errc::bad_file_descriptor);
    return -1;
  }
  return static_cast<int>(h);
}

void remember(int fd, family f) noexcept {
  if (fd_info* i = info(fd)) {
    i->fam = static_cast<std::uint8_t>(f);
    i->connecting = 0;
  }
}

// Data moved: whatever connect was under way has completed.
void connected(int fd) noexcept {
  if (fd_info* i = info(fd)) i->connecting = 0;
}

bool option(sockopt opt, int& level, int& name) noexcept {
  switch (opt) {
    case sockopt::reuse_addr:
#if SO_REUSE
      level = SOL_SOCKET; name = SO_REUSEADDR; return true;
#else
      return false;
#endif
    case sockopt::error: level = SOL_SOCKET; name = SO_ERROR; return true;
    case sockopt::type: level = SOL_SOCKET; name = SO_TYPE; return true;
    case sockopt::keep_alive: level = SOL_SOCKET; name = SO_KEEPALIVE; return true;
    case sockopt::broadcast: level = SOL_SOCKET; name = SO_BROADCAST; return true;
    case sockopt::rcvbuf: level = SOL_SOCKET; name = SO_RCVBUF; return true;
    case sockopt::sndbuf: level = SOL_SOCKET; name = SO_SNDBUF; return true;
    case sockopt::tcp_nodelay: level = IPPROTO_TCP; name = TCP_NODELAY; return true;
    case sockopt::v6only:
#if LWIP_IPV6
      level = IPPROTO_IPV6; name = IPV6_V6ONLY; return true;
#else
      return false;
#endif
    case sockopt::linger: level = SOL_SOCKET; name = SO_LINGER; return true;
  }
  return false;
}

}  // namespace
}  // namespace lwip

namespace platform {

using namespace lwip;

handle open(family f, socket_type t, std::error_code& ec) noexcept {
  ec.clear();
#ifdef ASYNCORE_LWIP_ENSURE_STARTED
  ASYNCORE_LWIP_ENSURE_STARTED();
#endif
  int domain = domain_of(f);
  if (domain < 0) {
    ec = f == family::unspec ? make_error_code(errc::invalid_address)
                             : std::make_error_code(std::errc::address_family_not_supported);
    return invalid_handle;
  }
  int type = t == socket_type::stream ? SOCK_STREAM : SOCK_DGRAM;
  int fd = lwip_socket(domain, type, 0);
  if (fd < 0) {
    ec = last_error(op::open);
    return invalid_handle;
  }
  if (!set_nonblocking(fd, true)) {
    ec = last_error();
    lwip_close(fd);
    return invalid_handle;
  }
  remember(fd, f);
  return fd;
}

void close(handle h, std::error_code& ec) noexcept {
  ec.clear();
  int fd = fd_of(h, ec);
  if (fd < 0) return;
  if (lwip_close(fd) != 0) ec = last_error();
  flush_loopback();
}

void bind(handle h, const address& a, std::error_code& ec) noexcept {
  ec.clear();
  int fd = fd_of(h, ec);
  if (fd < 0) return;
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(a, ss, ec);
  if (!len) return;
  if (lwip_bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) ec = last_error();
}

void listen(handle h, int backlog, std::error_code& ec) noexcept {
  ec.clear();
  int fd = fd_of(h, ec);
  if (fd < 0) return;
  if (lwip_listen(fd, backlog) != 0) ec = last_error();
}

void connect(handle h, const address& a, std::error_code& ec) noexcept {
  ec.clear();
  int fd = fd_of(h, ec);
  if (fd < 0) return;
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(a, ss, ec);
  if (!len) return;
  fd_info* i = info(fd);
  if (lwip_connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) {
    if (i) i->connecting = 0;
    return;
  }
  int e = last_errno();
  flush_loopback();  // a handshake on loopback completes here
  // A blocking connect reports its result here; a non-blocking one says
  // EINPROGRESS and its result comes later through pending_error().
  ec = translate(e, op::connect_result);
  if (i) i->connecting = ec == std::errc::operation_in_progress ? 1 : 0;
}

handle accept(handle h, address* peer, std::error_code& ec) noexcept {
  ec.clear();
  int fd = fd_of(h, ec);
  if (fd < 0) return invalid_handle;
  sockaddr_storage ss;
  std::memset(&ss, 0, sizeof ss);
  socklen_t len = sizeof ss;
  int nfd = lwip_accept(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  if (nfd < 0) {
    ec = last_error(op::accept);
    return invalid_handle;
  }
  if (!set_nonblocking(nfd, true)) {
    ec = last_error();
    lwip_close(nfd);
    return invalid_handle;
  }
  // The accepted socket has the listener's family (a dual-stack IPv6
  // listener sees IPv4 peers as IPv4-mapped addresses, as on POSIX).
  family f = family::inet;
  if (fd_info* li = info(fd)) f = static_cast<family>(li->fam);
  remember(nfd, f);
  if (peer) *peer = from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len, f == family::inet6);
  return nfd;
}

std::size_t send(handle h, const void* p, std::size_t n, bool oob, std::error_code& ec) noexcept {
  ec.clear();
  if (oob) {  // lwIP has no urgent data (MSG_OOB is "Unimplemented")
    ec = std::make_error_code(std::errc::operation_not_supported);
    return 0;
  }
  int fd = fd_of(h, ec);
  if (fd < 0) return 0;
  ssize_t r = lwip_send(fd, p, n, 0);
  if (r < 0) {
    ec = last_error();
    return 0;
  }
  connected(fd);
  flush_loopback();
  return static_cast<std::size_t>(r);
}

std::size_t recv(handle h, void* p, std::size_t n, std::error_code& ec) noexcept {
  ec.clear();
  int fd = fd_of(h, ec);
  if (fd < 0) return 0;
  ssize_t r = lwip_recv(fd, p, n, 0);
  if (r < 0) {
    ec = last_error();
    return 0;
  }
  connected(fd);
  return static_cast<std::size_t>(r);
}

std::size_t sendto(handle h, const void* p, std::size_t n, const address& to, std::error_code& ec) noexcept {
  ec.clear();
  int fd = fd_of(h, ec);
  if (fd < 0) return 0;
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(to, ss, ec);
  if (!len) return 0;
  ssize_t r = lwip_sendto(fd, p, n, 0, reinterpret_cast<sockaddr*>(&ss), len);
  if (r < 0) {
    ec = last_error();
    return 0;
  }
  flush_loopback();
  return static_cast<std::size_t>(r);
}

std::size_t recvfrom(handle h, void* p, std::size_t n, address& from, std::error_code& ec) noexcept {
  ec.clear();
  int fd = fd_of(h, ec);
  if (fd < 0) return 0;
  sockaddr_storage ss;
  std::memset(&ss, 0, sizeof ss);
  socklen_t len = sizeof ss;
  ssize_t r = lwip_recvfrom(fd, p, n, 0, reinterpret_cast<sockaddr*>(&ss), &len);
  if (r < 0) {
    ec = last_error();
    return 0;
  }
  fd_info* i = info(fd);
  from = from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len,
                       i && static_cast<family>(i->fam) == family::inet6);
  return static_cast<std::size_t>(r);
}

void shutdown(handle h, shutdown_type how, std::error_code& ec) noexcept {
  ec.clear();
  int fd = fd_of(h, ec);
  if (fd < 0) return;
  int w = how == shutdown_type::receive ? SHUT_RD : how == shutdown_type::send ? SHUT_WR : SHUT_RDWR;
  if (lwip_shutdown(fd, w) != 0) ec = last_error();
  flush_loopback();
}

namespace {
// getsockname / getpeername: the same call with a different lwIP function.
address name_of(handle h, int (*call)(int, sockaddr*, socklen_t*), std::error_code& ec) {
  ec.clear();
  int fd = fd_of(h, ec);
  if (fd < 0) return {};
  sockaddr_storage ss;
  std::memset(&ss, 0, sizeof ss);
  socklen_t len = sizeof ss;
  if (call(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    ec = last_error();
    return {};
  }
  fd_info* i = info(fd);
  return from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len, i && static_cast<family>(i->fam) == family::inet6);
}
}  // namespace

address local_address(handle h, std::error_code& ec) { return name_of(h, lwip_getsockname, ec); }
address peer_address(handle h, std::error_code& ec) { return name_of(h, lwip_getpeername, ec); }

int getsockopt(handle h, sockopt opt, std::error_code& ec) noexcept {
  ec.clear();
  int fd = fd_of(h, ec);
  if (fd < 0) return 0;
  int level = 0, name = 0;
  if (!option(opt, level, name)) {
    ec = std::make_error_code(std::errc::no_protocol_option);
    return 0;
  }
  if (opt == sockopt::linger) {
    struct linger l;
    std::memset(&l, 0, sizeof l);
    socklen_t len = sizeof l;
    if (lwip_getsockopt(fd, level, name, &l, &len) != 0) {
      ec = last_error();
      return 0;
    }
    return l.l_onoff ? l.l_linger : -1;
  }
  int v = 0;
  socklen_t len = sizeof v;
  if (lwip_getsockopt(fd, level, name, &v, &len) != 0) {
    ec = last_error();
    return 0;
  }
  if (opt == sockopt::error) return v;  // raw value; pending_error() translates
  if (opt == sockopt::type) return v == SOCK_STREAM ? static_cast<int>(socket_type::stream)
                                   : v == SOCK_DGRAM ? static_cast<int>(socket_type::dgram) : v;
  return v;
}

void setsockopt(handle h, sockopt opt, int value, std::error_code& ec) noexcept {
  ec.clear();
  int fd = fd_of(h, ec);
  if (fd < 0) return;
  int level = 0, name = 0;
  if (!option(opt, level, name)) {
    ec = std::make_error_code(std::errc::no_protocol_option);
    return;
  }
  int r;
  if (opt == sockopt::linger) {
    struct linger l;
    l.l_onoff = value >= 0 ? 1 : 0;
    l.l_linger = value >= 0 ? value : 0;
    r = lwip_setsockopt(fd, level, name, &l, sizeof l);
  } else {
    r = lwip_setsockopt(fd, level, name, &value, sizeof value);
  }
  if (r != 0) ec = last_error();
}

std::error_code pending_error(handle h) noexcept {
  std::error_code ec;
  int fd = fd_of(h, ec);
  if (fd < 0) return ec;
  int v = 0;
  socklen_t len = sizeof v;
  fd_info* i = info(fd);
  bool was_connecting = i && i->connecting;
  if (lwip_getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len) != 0) return last_error();
  if (v == 0) return {};
  // The first error after a non-blocking connect is the connect's result.
  if (i) i->connecting = 0;
  return translate(v, was_connecting ? op::connect_result : op::generic);
}

void set_reuse_addr(handle h, std::error_code& ec) noexcept {
#if SO_REUSE
  setsockopt(h, sockopt::reuse_addr, 1, ec);
#else
  (void)h;  // lwIP built without SO_REUSE: the option does not exist
  ec = std::make_error_code(std::errc::no_protocol_option);
#endif
}

void set_blocking(handle h, bool blocking, std::error_code& ec) noexcept {
  ec.clear();
  int fd = fd_of(h, ec);
  if (fd < 0) return;
  if (!set_nonblocking(fd, !blocking)) ec = last_error();
}

bool blocking(handle h, std::error_code& ec) noexcept {
  ec.clear();
  int fd = fd_of(h, ec);
  if (fd < 0) return false;
  int fl = lwip_fcntl(fd, F_GETFL, 0);
  if (fl < 0) {
    ec = last_error();
    return false;
  }
  return (fl & O_NONBLOCK) == 0;
}

bool inheritable(handle h, std::error_code& ec) noexcept {
  // lwIP sockets live in the stack, not in a process: nothing inherits them.
  ec.clear();
  int fd = fd_of(h, ec);
  if (fd < 0) return false;
  int fl = lwip_fcntl(fd, F_GETFL, 0);
  if (fl < 0) ec = last_error();
  return false;
}

namespace {
// The descriptor's SO_TYPE, which also validates it (the table only knows
// what was opened); -1 with ec set when lwIP does not know the descriptor.
int so_type(handle h, std::error_code& ec) noexcept {
  ec.clear();
  int fd = fd_of(h, ec);
  if (fd < 0) return -1;
  int v = 0;
  socklen_t len = sizeof v;
  if (lwip_getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) != 0) {
    ec = last_error();
    return -1;
  }
  return v;
}
}  // namespace

family get_family(handle h, std::error_code& ec) noexcept {
  if (so_type(h, ec) < 0) return family::unspec;
  if (fd_info* i = info(h)) return static_cast<family>(i->fam);
  ec = std::make_error_code(std::errc::bad_file_descriptor);
  return family::unspec;
}

socket_type get_type(handle h, std::error_code& ec) noexcept {
  const int v = so_type(h, ec);
  if (v < 0) return socket_type::stream;
  return v == SOCK_DGRAM ? socket_type::dgram : socket_type::stream;
}

void socket_pair(handle out[2], std::error_code& ec) noexcept {
  // No socketpair() in lwIP: a TCP connection over the loopback interface,
  // with TCP_NODELAY on both ends.
  // The listener is closed before returning; the connect and accept are
  // blocking (each waits on the tcpip thread, bounded by loopback delivery).
  out[0] = out[1] = invalid_handle;
  ec.clear();
#if LWIP_IPV4
  family f = family::inet;
#else
  family f = family::inet6;
#endif
  handle l = open(f, socket_type::stream, ec);
  if (ec) return;
  handle a = invalid_handle, b = invalid_handle;
  std::error_code ignored;
  do {
    bind(l, address::loopback(f, 0), ec);
    if (ec) break;
    listen(l, 1, ec);
    if (ec) break;
    address where = local_address(l, ec);
    if (ec) break;
    a = open(f, socket_type::stream, ec);
    if (ec) break;
    set_blocking(a, true, ec);
    if (ec) break;
    connect(a, where, ec);
    if (ec) break;
    set_blocking(l, true, ec);
    if (ec) break;
    b = accept(l, nullptr, ec);  // returns a non-blocking socket
    if (ec) break;
    set_blocking(a, false, ec);
    if (ec) break;
    // A socketpair passes each write on at once: no Nagle delay on either
    // end (lwIP's delayed ACKs would otherwise hold small writes back).
    setsockopt(a, sockopt::tcp_nodelay, 1, ec);
    if (ec) break;
    setsockopt(b, sockopt::tcp_nodelay, 1, ec);
    if (ec) break;
  } while (false);
  close(l, ignored);
  if (ec) {
    if (a != invalid_handle) close(a, ignored);
    if (b != invalid_handle) close(b, ignored);
    return;
  }
  out[0] = a;
  out[1] = b;
}

address resolve(std::string_view host, std::uint16_t port, family f, std::error_code& ec) {
  ec.clear();
#ifdef ASYNCORE_LWIP_ENSURE_STARTED
  ASYNCORE_LWIP_ENSURE_STARTED();
#endif
  // Numeric hosts and "localhost" need no resolver.
  std::error_code pe;
  address a = address::parse(host, port, pe);
  if (!pe && a && (f == family::unspec || a.get_family() == f)) return a;
#if LWIP_DNS
  std::string name(host);
  addrinfo hints;
  std::memset(&hints, 0, sizeof hints);
  hints.ai_family = f == family::inet ? AF_INET : f == family::inet6 ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int r = lwip_getaddrinfo(name.c_str(), nullptr, &hints, &res);
  if (r != 0 || !res) {
    ec = make_error_code(errc::invalid_address);
    return {};
  }
  address out = from_sockaddr(res->ai_addr, res->ai_addrlen);
  lwip_freeaddrinfo(res);
  out.set_port(port);
  if (!out) ec = make_error_code(errc::invalid_address);
  return out;
#else
  // lwIP built without DNS (LWIP_DNS 0): only numeric hosts resolve.
  ec = make_error_code(errc::invalid_address);
  return {};
#endif
}

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
