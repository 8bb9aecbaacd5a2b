// SPDX-License-Identifier: MIT
// asyncore for C++ (lwIP platform): sockets and options on lwIP's
// sockets API (lwip_* functions only; see lwip.hpp for the include rules).
//
// lwIP differences handled here:
//  - sockets are made non-blocking with lwip_fcntl(F_SETFL, O_NONBLOCK) with
//    no other bit (lwIP rejects any other); there is no FD_CLOEXEC (no child
//    processes) and no SIGPIPE, so inheritable() is always false;
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
#include "../socket_common.hpp"
#include "syscalls.hpp"

#include <cstring>

namespace asyncore {
namespace detail {
namespace lwip {

namespace {
constexpr int fd_count = MEMP_NUM_NETCONN;
fd_info g_info[fd_count];
}  // namespace

#if ASYNCORE_TESTING
namespace {
syscall_table make_real() noexcept {
  syscall_table t{};
  t.socket = &::lwip_socket;
  t.connect = &::lwip_connect;
  t.accept = &::lwip_accept;
  t.send = &::lwip_send;
  t.recv = &::lwip_recv;
  t.close = &::lwip_close;
#if LWIP_SOCKET_SELECT
  t.select = &::lwip_select;
#endif
#if LWIP_SOCKET_POLL
  t.poll = &::lwip_poll;
#endif
  t.getsockopt = &::lwip_getsockopt;
  return t;
}
const syscall_table g_real = make_real();
syscall_table g_sys = g_real;
}  // namespace

syscall_table& sys() noexcept { return g_sys; }
const syscall_table& real_sys() noexcept { return g_real; }
#endif

fd_info* info(native_handle_type h) noexcept {
  native_handle_type i = h - LWIP_SOCKET_OFFSET;
  if (i < 0 || i >= fd_count) return nullptr;
  return &g_info[i];
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
    i->eof = 0;
  }
}

// Data moved: whatever connect was under way has completed.
void connected(int fd) noexcept {
  if (fd_info* i = info(fd)) i->connecting = 0;
}

const common::option_table options = {
#if SO_REUSE
    common::option(SOL_SOCKET, SO_REUSEADDR),
#else
    common::no_option(),  // lwIP built without SO_REUSE: the option does not exist
#endif
    common::option(SOL_SOCKET, SO_ERROR),
    common::option(SOL_SOCKET, SO_TYPE),
    common::option(SOL_SOCKET, SO_KEEPALIVE),
    common::option(SOL_SOCKET, SO_BROADCAST),
    common::option(SOL_SOCKET, SO_RCVBUF),
    common::option(SOL_SOCKET, SO_SNDBUF),
    common::option(IPPROTO_TCP, TCP_NODELAY),
#if LWIP_IPV6
    common::option(IPPROTO_IPV6, IPV6_V6ONLY),
#else
    common::no_option(),
#endif
    common::option(SOL_SOCKET, SO_LINGER),
};

// The raw option calls common::get_option / set_option are built on (the
// descriptor was checked by fd_of before).
struct raw_options {
  static bool get_int(platform::handle h, const common::native_option& o, int& v, std::error_code& ec) noexcept {
    socklen_t len = sizeof v;
    if (lwip_getsockopt(static_cast<int>(h), o.level, o.name, &v, &len) != 0) {
      ec = last_error();
      return false;
    }
    return true;
  }
  static bool get_linger(platform::handle h, const common::native_option& o, common::linger_setting& out,
                         std::error_code& ec) noexcept {
    struct linger l;
    std::memset(&l, 0, sizeof l);
    socklen_t len = sizeof l;
    if (lwip_getsockopt(static_cast<int>(h), o.level, o.name, &l, &len) != 0) {
      ec = last_error();
      return false;
    }
    out = {l.l_onoff != 0, l.l_linger};
    return true;
  }
  static bool set_int(platform::handle h, const common::native_option& o, int v, std::error_code& ec) noexcept {
    if (lwip_setsockopt(static_cast<int>(h), o.level, o.name, &v, sizeof v) != 0) {
      ec = last_error();
      return false;
    }
    return true;
  }
  static bool set_linger(platform::handle h, const common::native_option& o, common::linger_setting s,
                         std::error_code& ec) noexcept {
    struct linger l;
    l.l_onoff = s.on ? 1 : 0;
    l.l_linger = s.seconds;
    if (lwip_setsockopt(static_cast<int>(h), o.level, o.name, &l, sizeof l) != 0) {
      ec = last_error();
      return false;
    }
    return true;
  }
};

}  // namespace
}  // namespace lwip

namespace platform {

using namespace lwip;

void enable_datagrams() noexcept {}  // datagrams need nothing switched on here

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
  int fd = lwip::sys().socket(domain, type, 0);
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
  if (lwip::sys().close(fd) != 0) ec = last_error();
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
  if (lwip::sys().connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) {
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
  int nfd = lwip::sys().accept(fd, reinterpret_cast<sockaddr*>(&ss), &len);
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
  ssize_t r = lwip::sys().send(fd, p, n, 0);
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
  ssize_t r = lwip::sys().recv(fd, p, n, 0);
  fd_info* i = info(fd);
  if (r < 0) {
    ec = last_error();
    // lwIP reports the end of stream once (0), then ENOTCONN (its receive
    // mailbox is closed); POSIX and Winsock keep returning 0. Say 0 again.
    if (i && i->eof && ec == std::errc::not_connected) ec.clear();
    return 0;
  }
  if (r == 0 && n > 0 && i) i->eof = 1;
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
  if (fd_of(h, ec) < 0) return 0;
  int v = common::get_option<raw_options>(options, h, opt, ec);
  if (ec) return 0;
  if (opt == sockopt::error) return v;  // raw value; pending_error() translates
  if (opt == sockopt::type) return v == SOCK_STREAM ? static_cast<int>(socket_type::stream)
                                   : v == SOCK_DGRAM ? static_cast<int>(socket_type::dgram) : v;
  return v;
}

void setsockopt(handle h, sockopt opt, int value, std::error_code& ec) noexcept {
  ec.clear();
  if (fd_of(h, ec) < 0) return;
  common::set_option<raw_options>(options, h, opt, value, ec);
}

std::error_code pending_error(handle h) noexcept {
  std::error_code ec;
  int fd = fd_of(h, ec);
  if (fd < 0) return ec;
  int v = 0;
  socklen_t len = sizeof v;
  fd_info* i = info(fd);
  bool was_connecting = i && i->connecting;
  if (lwip::sys().getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len) != 0) return last_error();
  if (v == 0) return {};
  // The first error after a non-blocking connect is the connect's result.
  if (i) i->connecting = 0;
  return translate(v, was_connecting ? op::connect_result : op::generic);
}

void set_reuse_addr(handle h, std::error_code& ec) noexcept {
  // Without SO_REUSE the option does not exist: errc::no_protocol_option.
  setsockopt(h, sockopt::reuse_addr, 1, ec);
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
  // No socketpair() in lwIP: a TCP connection over the loopback interface
  // (127.0.0.1, or ::1 without IPv4), with TCP_NODELAY on both ends (a
  // socketpair passes each write on at once; lwIP's delayed ACKs would
  // otherwise hold small writes back). The connect and accept are blocking
  // (each waits on the tcpip thread, bounded by loopback delivery).
  out[0] = out[1] = invalid_handle;
  ec.clear();
#if LWIP_IPV4
  const family f = family::inet;
#else
  const family f = family::inet6;
#endif
  const common::loopback_pair_options how{/*exclusive_listener=*/false, /*check_peer=*/false, /*no_delay=*/true};
  common::loopback_socket_pair(f, how, out, ec);
}

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
