// SPDX-License-Identifier: MIT
// asyncore for C++ (lwIP raw-API platform): handles over tcp_pcb / udp_pcb.
//
// lwIP's callbacks (recv, sent, err, connected, accept, udp recv) only record
// state in the handle's record; the loop's poller turns that state into
// readiness and the handlers run from the loop. The rules lwIP sets, and how
// they are kept here:
//  - received pbufs are queued per connection (pbuf_cat); recv() copies out,
//    frees what it consumed and calls tcp_recved() for it, so the TCP window
//    is the back-pressure. The peer's FIN is reported (recv gives 0) only
//    once the queued data has been read;
//  - an accepted pcb gets its callbacks inside the accept callback (lwIP's
//    default receive callback would acknowledge and discard data that comes
//    before accept()), and stays counted against the listener's backlog
//    (tcp_backlog_delayed) until accept() takes it (tcp_backlog_accepted);
//  - tcp_err means lwIP has freed the pcb: the record forgets it at once.
//    ERR_RST and ERR_ABRT become connection_reset / connection_aborted
//    (recv reports them after the queued data: handle_close), a failed
//    connect connection_refused (handle_error), ERR_CLSD (closed after our
//    own shutdown) the end of the stream;
//  - close removes every callback first, then tcp_close, and tcp_abort when
//    tcp_close cannot get memory; connections still waiting in a listener's
//    queue are aborted with the listener. A pcb that reached TIME_WAIT is
//    lwIP's (it frees it without a callback): the record lets go of it then;
//  - tcp_write that runs out of send buffer or queue space is would-block;
//    the data goes out at the next service (one tcp_output per handle and
//    iteration), or when this thread next waits for the peer;
//  - UDP: datagrams are queued with their sender in a shared pool
//    (ASYNCORE_LWIP_RAW_MAX_DATAGRAMS; a full pool drops, as a full socket
//    buffer does); an empty datagram is a datagram, not the end of a stream.
//    Every call into lwIP's UDP goes through `g_udp`, which
//    platform::enable_datagrams() sets: a firmware that opens no datagram
//    socket links none of it (nor the datagram pool).
#include "raw.hpp"

#include "../../platform.hpp"

#include <asyncore/error.hpp>

#include <algorithm>
#include <cstring>

namespace asyncore {
namespace detail {
namespace lwip_raw {

namespace {

record g_records[max_handles];

struct datagram {
  pbuf* p = nullptr;
  ip_addr_t from{};
  std::uint16_t port = 0;
  link16 next;
  bool used = false;
};
datagram g_dgrams[ASYNCORE_LWIP_RAW_MAX_DATAGRAMS];

void* arg_of(int i) noexcept { return reinterpret_cast<void*>(static_cast<std::intptr_t>(i) + 1); }
int index_of(void* arg) noexcept { return static_cast<int>(reinterpret_cast<std::intptr_t>(arg) - 1); }
record* rec_of(void* arg) noexcept {
  const int i = index_of(arg);
  return i >= 0 && i < max_handles && g_records[i].k != kind::free ? &g_records[i] : nullptr;
}

int alloc_record(kind k, family f) noexcept {
  for (int i = 0; i < max_handles; ++i) {
    if (g_records[i].k == kind::free) {
      g_records[i] = record();
      g_records[i].k = k;
      g_records[i].fam = static_cast<std::uint8_t>(f);
      g_wake[i].store(false, std::memory_order_relaxed);
      return i;
    }
  }
  return -1;
}

void free_rx(record& r) noexcept {
  if (r.rx) pbuf_free(r.rx);
  r.rx = nullptr;
  r.rx_off = 0;
}

// -- addresses ---------------------------------------------------------------------
bool to_ip(const address& a, ip_addr_t& ip, std::error_code& ec) noexcept {
  std::memset(&ip, 0, sizeof ip);
  switch (a.get_family()) {
#if LWIP_IPV4
    case family::inet:
      IP_SET_TYPE_VAL(ip, IPADDR_TYPE_V4);
      std::memcpy(&ip_2_ip4(&ip)->addr, a.bytes(), 4);
      return true;
#endif
#if LWIP_IPV6
    case family::inet6:
      IP_SET_TYPE_VAL(ip, IPADDR_TYPE_V6);
      std::memcpy(ip_2_ip6(&ip)->addr, a.bytes(), 16);
      ip6_addr_clear_zone(ip_2_ip6(&ip));
#if LWIP_IPV6_SCOPES
      if (a.scope_id() != 0) ip6_addr_set_zone(ip_2_ip6(&ip), static_cast<u8_t>(a.scope_id()));
#endif
      return true;
#endif
    case family::unspec:
      ec = make_error_code(errc::invalid_address);
      return false;
    default:
      ec = code(std::errc::address_family_not_supported);
      return false;
  }
}

address from_ip(const ip_addr_t& ip, std::uint16_t port) noexcept {
#if LWIP_IPV6
  if (IP_IS_V6_VAL(ip)) {
    std::uint8_t b[16];
    std::memcpy(b, ip_2_ip6(&ip)->addr, 16);
    return address::from_bytes(family::inet6, b, port);
  }
#endif
#if LWIP_IPV4
  std::uint8_t b[4];
  std::memcpy(b, &ip_2_ip4(&ip)->addr, 4);
  return address::from_bytes(family::inet, b, port);
#else
  return address();
#endif
}

u8_t ip_type(family f) noexcept { return f == family::inet6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4; }

// -- TCP callbacks (they only record state) ------------------------------------
void let_go(record& r) noexcept {
  // The pcb is lwIP's from now on (TIME_WAIT, or freed): no callback of ours.
  if (r.pcb.tcp) {
    tcp_arg(r.pcb.tcp, nullptr);
    tcp_recv(r.pcb.tcp, nullptr);
    tcp_sent(r.pcb.tcp, nullptr);
    tcp_err(r.pcb.tcp, nullptr);
  }
  r.pcb.tcp = nullptr;
  r.dead = true;
  r.connected = false;
}

err_t on_recv(void* arg, tcp_pcb* pcb, pbuf* p, err_t err) {
  record* r = rec_of(arg);
  if (!r) {  // cannot happen: close removes the callbacks
    if (p) {
      tcp_recved(pcb, p->tot_len);
      pbuf_free(p);
    }
    return ERR_OK;
  }
  if (p == nullptr || err != ERR_OK) {
    if (p) pbuf_free(p);
    r->eof = true;
    // After our own shutdown(send) the connection ends in TIME_WAIT (or
    // CLOSING on the way there), where lwIP frees the pcb without telling us.
    if (pcb->state == TIME_WAIT || pcb->state == CLOSING) let_go(*r);
    return ERR_OK;
  }
  if (r->rd_shut) {  // shutdown(receive): acknowledge and drop
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
  }
  if (r->rx) {
    pbuf_cat(r->rx, p);
  } else {
    r->rx = p;
    r->rx_off = 0;
  }
  return ERR_OK;
}

err_t on_sent(void*, tcp_pcb*, u16_t) { return ERR_OK; }  // the poller looks at tcp_sndbuf

void on_err(void* arg, err_t err) {
  record* r = rec_of(arg);
  if (!r) return;
  r->pcb.tcp = nullptr;  // freed by lwIP
  r->dead = true;
  r->connected = false;
  if (r->connecting) {
    r->connecting = false;
    r->error = static_cast<int>(err == ERR_ABRT ? std::errc::connection_aborted : std::errc::connection_refused);
  } else if (err == ERR_RST) {
    r->error = static_cast<int>(std::errc::connection_reset);
  } else if (err == ERR_ABRT) {
    r->error = static_cast<int>(std::errc::connection_aborted);
  } else if (err == ERR_CLSD) {
    r->eof = true;
  } else {
    r->error = static_cast<int>(std::errc::connection_reset);
  }
}

err_t on_connected(void* arg, tcp_pcb*, err_t err) {
  record* r = rec_of(arg);
  if (!r) return ERR_OK;
  r->connecting = false;
  if (err == ERR_OK) {
    r->connected = true;
  } else {
    r->error = static_cast<int>(std::errc::connection_refused);
  }
  return ERR_OK;
}

void attach(int i, tcp_pcb* pcb) noexcept {
  tcp_arg(pcb, arg_of(i));
  tcp_recv(pcb, on_recv);
  tcp_sent(pcb, on_sent);
  tcp_err(pcb, on_err);
}

err_t on_accept(void* arg, tcp_pcb* newpcb, err_t err) {
  record* l = rec_of(arg);
  if (newpcb == nullptr || err != ERR_OK) return ERR_VAL;  // lwIP ran out of pcbs
  if (!l || l->k != kind::listener) return ERR_VAL;       // lwIP aborts it
  const int i = alloc_record(kind::tcp, static_cast<family>(l->fam));
  if (i < 0) return ERR_MEM;  // the table is full: lwIP aborts the connection (RST)
  record& r = g_records[i];
  r.pcb.tcp = newpcb;
  r.connected = true;
  r.in_queue = true;
  r.listener = index_of(arg);
  attach(i, newpcb);
  tcp_backlog_delayed(newpcb);  // counts against the backlog until accept()
  // Append to the listener's queue (accept order = arrival order).
  link16* link = &l->queue;
  while (*link >= 0) link = &g_records[*link].next;
  *link = i;
  return ERR_OK;
}

// -- UDP ---------------------------------------------------------------------------
void on_udp(void* arg, udp_pcb*, pbuf* p, const ip_addr_t* from, u16_t port) {
  record* r = rec_of(arg);
  int slot = -1;
  for (int k = 0; r && k < ASYNCORE_LWIP_RAW_MAX_DATAGRAMS; ++k) {
    if (!g_dgrams[k].used) {
      slot = k;
      break;
    }
  }
  if (slot < 0) {  // the pool is full: dropped, as by a full socket buffer
    pbuf_free(p);
    return;
  }
  datagram& d = g_dgrams[slot];
  d.used = true;
  d.p = p;
  ip_addr_copy(d.from, *from);
  d.port = port;
  d.next = -1;
  link16* link = &r->dgram;
  while (*link >= 0) link = &g_dgrams[*link].next;
  *link = slot;
}

// -- helpers -------------------------------------------------------------------
record* lookup(platform::handle h, std::error_code& ec) noexcept {
  record* r = get(h);
  if (!r) ec = code(std::errc::bad_file_descriptor);
  return r;
}

void close_tcp_pcb(tcp_pcb* pcb, bool abort) noexcept {
  tcp_arg(pcb, nullptr);
  if (pcb->state != LISTEN) {
    tcp_recv(pcb, nullptr);
    tcp_sent(pcb, nullptr);
    tcp_err(pcb, nullptr);
  } else {
    tcp_accept(pcb, nullptr);
  }
  if (abort && pcb->state != LISTEN) {
    tcp_abort(pcb);
    return;
  }
  if (tcp_close(pcb) != ERR_OK) tcp_abort(pcb);  // out of memory for the FIN
}

void release(int i, bool abort) noexcept;

// What lwIP's UDP costs, reached only through g_udp (see the top of this file).
struct udp_ops {
  udp_pcb* (*make)(int i, family f);
  err_t (*bind)(udp_pcb* pcb, const ip_addr_t* ip, u16_t port);
  err_t (*connect)(udp_pcb* pcb, const ip_addr_t* ip, u16_t port);
  void (*release)(record& r);  // the pcb and the queued datagrams
  std::size_t (*sendto)(record& r, const void* p, std::size_t n, const address& to, std::error_code& ec);
  std::size_t (*recvfrom)(record& r, void* p, std::size_t n, address& from, std::error_code& ec);
};
const udp_ops* g_udp = nullptr;

void abort_queue(record& l) noexcept {
  while (l.queue >= 0) {
    const int q = l.queue;
    l.queue = g_records[q].next;
    g_records[q].in_queue = false;
    release(q, true);
  }
}

// Frees the record and its pcb (every callback removed first).
void release(int i, bool abort) noexcept {
  record& r = g_records[i];
  switch (r.k) {
    case kind::tcp:
      if (r.pcb.tcp) {
        if (r.in_queue) tcp_backlog_accepted(r.pcb.tcp);
        // Unread input is acknowledged first: tcp_close would otherwise
        // answer it with a reset, which drops what is still in the send
        // queue for the peer (close_when_done's output). The peer gets all
        // of it and then the end of stream. SO_LINGER 0 still aborts.
        if (r.rx && r.pcb.tcp->state != LISTEN) {
          std::size_t left = r.rx->tot_len - r.rx_off;
          while (left > 0) {
            const u16_t part = static_cast<u16_t>(std::min<std::size_t>(left, 0xffffu));
            tcp_recved(r.pcb.tcp, part);
            left -= part;
          }
        }
        close_tcp_pcb(r.pcb.tcp, abort || r.linger == 0);
      }
      break;
    case kind::listener:
      abort_queue(r);
      if (r.pcb.tcp) close_tcp_pcb(r.pcb.tcp, false);
      break;
    case kind::udp:
      g_udp->release(r);  // a udp record exists only once g_udp is set
      break;
    default: break;
  }
  free_rx(r);
  r = record();
  g_wake[i].store(false, std::memory_order_relaxed);
}

// Takes the first connection out of a listener's queue (the caller owns it).
int take_queued(record& l) noexcept {
  while (l.queue >= 0) {
    const int q = l.queue;
    record& c = g_records[q];
    l.queue = c.next;
    c.next = -1;
    c.in_queue = false;
    c.listener = -1;
    if (c.pcb.tcp) tcp_backlog_accepted(c.pcb.tcp);
    return q;  // a connection reset while queued is handed out too: recv reports it
  }
  return -1;
}

// Data lwIP has for the peer, and what the peer sent back, before this
// thread looks at a connection again (the peers of the host's tests live in
// the same thread and stack).
void flush() noexcept { service(); }

// -- UDP's operations (g_udp) ---------------------------------------------------------
udp_pcb* udp_make(int i, family f) {
  udp_pcb* pcb = udp_new_ip_type(ip_type(f));
  if (pcb) udp_recv(pcb, on_udp, arg_of(i));
  return pcb;
}

void udp_release(record& r) {
  if (r.pcb.udp) {
    udp_recv(r.pcb.udp, nullptr, nullptr);
    udp_remove(r.pcb.udp);
  }
  while (r.dgram >= 0) {
    datagram& d = g_dgrams[r.dgram];
    r.dgram = d.next;
    if (d.p) pbuf_free(d.p);
    d = datagram();
  }
}

std::size_t udp_send_to(record& r, const void* p, std::size_t n, const address& to, std::error_code& ec) {
  ip_addr_t ip;
  if (!to_ip(to, ip, ec)) return 0;
  if (n > 0xffff - 8) {
    ec = code(std::errc::message_size);
    return 0;
  }
  pbuf* b = pbuf_alloc(PBUF_TRANSPORT, static_cast<u16_t>(n), PBUF_RAM);
  if (!b) {
    ec = code(std::errc::operation_would_block);
    return 0;
  }
  if (n) pbuf_take(b, p, static_cast<u16_t>(n));
  const err_t e = udp_sendto(r.pcb.udp, b, &ip, to.port());
  pbuf_free(b);
  if (e == ERR_MEM || e == ERR_BUF) {
    ec = code(std::errc::operation_would_block);
    return 0;
  }
  if (e == ERR_RTE) {
    ec = code(std::errc::network_unreachable);
    return 0;
  }
  if (e != ERR_OK) {
    ec = code(std::errc::invalid_argument);
    return 0;
  }
  return n;
}

std::size_t udp_receive_from(record& r, void* p, std::size_t n, address& from, std::error_code& ec) {
  record* rp = &r;
  if (r.dgram < 0) flush();
  if (r.dgram < 0 && r.blocking) drive(-1, [rp] { return rp->dgram >= 0; });
  if (r.dgram < 0) {
    ec = code(std::errc::operation_would_block);
    return 0;
  }
  datagram& d = g_dgrams[r.dgram];
  r.dgram = d.next;
  const std::size_t len = pbuf_copy_partial(d.p, p, static_cast<u16_t>(std::min<std::size_t>(n, d.p->tot_len)), 0);
  from = from_ip(d.from, d.port);
  pbuf_free(d.p);
  d = datagram();
  return len;
}

constexpr udp_ops udp_table{&udp_make, &udp_bind, &udp_connect, &udp_release, &udp_send_to, &udp_receive_from};

}  // namespace

std::atomic<bool> g_wake[max_handles];

int alloc_handle(kind k, family f) noexcept { return alloc_record(k, f); }

record* get(native_handle_type h) noexcept {
  if (h < 0 || h >= max_handles) return nullptr;
  record& r = g_records[h];
  return r.k == kind::free ? nullptr : &r;
}

bool readable(const record& r) noexcept {
  return r.rx != nullptr || r.eof || r.dead || r.error != 0 || r.rd_shut;
}

void service() noexcept {
  for (int i = 0; i < max_handles; ++i) {
    record& r = g_records[i];
    if (r.k == kind::tcp && r.output) {
      r.output = false;
      if (r.pcb.tcp) tcp_output(r.pcb.tcp);
    }
  }
  asyncore_lwip_raw_service();
  sys_check_timeouts();
}

unsigned readiness(native_handle_type h, unsigned want) noexcept {
  record* r = get(h);
  if (!r) return pollnval;
  unsigned ev = 0;
  switch (r->k) {
    case kind::wake:
      if (g_wake[h].load(std::memory_order_acquire)) ev |= pollin;
      break;
    case kind::listener:
      if (r->queue >= 0) ev |= pollin;
      break;
    case kind::udp:
      if (r->dgram >= 0) ev |= pollin;
      if (r->pcb.udp) ev |= pollout;
      break;
    case kind::tcp:
      if (r->error) ev |= pollerr;
      if (r->connecting) break;
      if (readable(*r)) ev |= pollin;
      if (r->dead || r->wr_shut) {
        ev |= pollout;  // send reports the error or the broken pipe
      } else if (r->connected && r->pcb.tcp && tcp_sndbuf(r->pcb.tcp) > 0 &&
                 tcp_sndqueuelen(r->pcb.tcp) < TCP_SND_QUEUELEN) {
        ev |= pollout;
      }
      break;
    default: break;
  }
  return ev & (want | pollerr | pollnval);
}

}  // namespace lwip_raw

namespace platform {

using namespace lwip_raw;

handle open(family f, socket_type t, std::error_code& ec) noexcept {
  ec.clear();
#ifdef ASYNCORE_LWIP_ENSURE_STARTED
  ASYNCORE_LWIP_ENSURE_STARTED();
#endif
  if (f == family::unspec) {
    ec = make_error_code(errc::invalid_address);
    return invalid_handle;
  }
  if ((f != family::inet || !LWIP_IPV4) && (f != family::inet6 || !LWIP_IPV6)) {
    ec = code(std::errc::address_family_not_supported);
    return invalid_handle;
  }
  if (t != socket_type::stream && !g_udp) {  // socket::open and create_socket call enable_datagrams()
    ec = code(std::errc::protocol_not_supported);
    return invalid_handle;
  }
  const int i = alloc_record(t == socket_type::stream ? kind::tcp : kind::udp, f);
  if (i < 0) {
    ec = make_error_code(errc::descriptors_exhausted);
    return invalid_handle;
  }
  record& r = g_records[i];
  if (r.k == kind::tcp) {
    r.pcb.tcp = tcp_new_ip_type(ip_type(f));
    if (r.pcb.tcp) attach(i, r.pcb.tcp);
  } else {
    r.pcb.udp = g_udp->make(i, f);
  }
  if (!r.pcb.any) {
    r = record();
    ec = make_error_code(errc::descriptors_exhausted);  // lwIP's pcb pool is empty
    return invalid_handle;
  }
  return i;
}

void enable_datagrams() noexcept { g_udp = &udp_table; }

void close(handle h, std::error_code& ec) noexcept {
  ec.clear();
  if (!lookup(h, ec)) return;
  release(static_cast<int>(h), false);
  flush();  // the FIN (or reset) reaches a peer on this stack now
}

void bind(handle h, const address& a, std::error_code& ec) noexcept {
  ec.clear();
  record* r = lookup(h, ec);
  if (!r) return;
  ip_addr_t ip;
  if (!to_ip(a, ip, ec)) return;
  if (a.get_family() != static_cast<family>(r->fam)) {
    ec = code(std::errc::address_family_not_supported);
    return;
  }
  err_t e = ERR_VAL;
  if (r->k == kind::tcp && r->pcb.tcp && r->pcb.tcp->state == CLOSED) {
    e = tcp_bind(r->pcb.tcp, &ip, a.port());
  } else if (r->k == kind::udp && r->pcb.udp) {
    e = g_udp->bind(r->pcb.udp, &ip, a.port());
  }
  if (e == ERR_USE) {
    ec = code(std::errc::address_in_use);
  } else if (e != ERR_OK) {
    ec = code(std::errc::invalid_argument);
  }
}

void listen(handle h, int backlog, std::error_code& ec) noexcept {
  ec.clear();
  record* r = lookup(h, ec);
  if (!r) return;
  if (r->k == kind::listener) return;  // already listening (POSIX allows it)
  if (r->k != kind::tcp || !r->pcb.tcp || r->pcb.tcp->state != CLOSED) {
    ec = code(r->k == kind::udp ? std::errc::operation_not_supported : std::errc::invalid_argument);
    return;
  }
  if (r->pcb.tcp->local_port == 0) {  // POSIX binds an ephemeral port
    ip_addr_t any;
    std::memset(&any, 0, sizeof any);
    IP_SET_TYPE_VAL(any, ip_type(static_cast<family>(r->fam)));
    if (tcp_bind(r->pcb.tcp, &any, 0) != ERR_OK) {
      ec = code(std::errc::address_in_use);
      return;
    }
  }
  if (backlog < 1) backlog = 1;
  if (backlog > 255) backlog = 255;
  err_t e = ERR_OK;
  // The pcb's callbacks go before tcp_listen frees it for a smaller one.
  tcp_pcb* old = r->pcb.tcp;
  tcp_arg(old, nullptr);
  tcp_recv(old, nullptr);
  tcp_sent(old, nullptr);
  tcp_err(old, nullptr);
  tcp_pcb* l = tcp_listen_with_backlog_and_err(old, static_cast<u8_t>(backlog), &e);
  if (!l) {
    attach(static_cast<int>(h), old);
    ec = e == ERR_USE ? code(std::errc::address_in_use) : make_error_code(errc::descriptors_exhausted);
    return;
  }
  r->pcb.tcp = l;
  r->k = kind::listener;
  tcp_arg(l, arg_of(static_cast<int>(h)));
  tcp_accept(l, on_accept);
}

void connect(handle h, const address& a, std::error_code& ec) noexcept {
  ec.clear();
  record* r = lookup(h, ec);
  if (!r) return;
  ip_addr_t ip;
  if (!to_ip(a, ip, ec)) return;
  if (a.get_family() != static_cast<family>(r->fam)) {
    ec = code(std::errc::address_family_not_supported);
    return;
  }
  if (r->k == kind::udp) {
    if (g_udp->connect(r->pcb.udp, &ip, a.port()) != ERR_OK) ec = code(std::errc::invalid_argument);
    return;
  }
  if (r->k != kind::tcp) {
    ec = code(std::errc::invalid_argument);
    return;
  }
  if (r->connected) {
    ec = code(std::errc::already_connected);
    return;
  }
  if (r->connecting) {
    ec = code(std::errc::connection_already_in_progress);
    return;
  }
  if (!r->pcb.tcp || r->dead) {
    ec = code(std::errc::invalid_argument);
    return;
  }
  err_t e = tcp_connect(r->pcb.tcp, &ip, a.port(), on_connected);
  if (e == ERR_RTE) {
    ec = code(std::errc::network_unreachable);
    return;
  }
  if (e == ERR_USE) {
    ec = code(std::errc::address_in_use);
    return;
  }
  if (e != ERR_OK) {
    ec = code(std::errc::no_buffer_space);
    return;
  }
  r->connecting = true;
  flush();  // a handshake over loopback completes here
  if (r->blocking) {
    drive(-1, [r] { return !r->connecting; });
    if (r->error) {
      ec = std::error_code(r->error, std::generic_category());
      r->error = 0;
    }
    return;
  }
  ec = code(std::errc::operation_in_progress);
}

handle accept(handle h, address* peer, std::error_code& ec) noexcept {
  ec.clear();
  record* r = lookup(h, ec);
  if (!r) return invalid_handle;
  if (r->k != kind::listener) {
    ec = code(std::errc::invalid_argument);
    return invalid_handle;
  }
  if (r->queue < 0) flush();
  if (r->queue < 0 && r->blocking) drive(-1, [r] { return r->queue >= 0; });
  const int q = take_queued(*r);
  if (q < 0) {
    ec = code(std::errc::operation_would_block);
    return invalid_handle;
  }
  record& c = g_records[q];
  if (peer) *peer = c.pcb.tcp ? from_ip(c.pcb.tcp->remote_ip, c.pcb.tcp->remote_port) : address();
  return q;
}

std::size_t send(handle h, const void* p, std::size_t n, bool oob, std::error_code& ec) noexcept {
  ec.clear();
  record* r = lookup(h, ec);
  if (!r) return 0;
  if (oob) {  // lwIP's raw API has no urgent data
    ec = code(std::errc::operation_not_supported);
    return 0;
  }
  if (r->k == kind::udp) {
    if (!r->pcb.udp || !(r->pcb.udp->flags & UDP_FLAGS_CONNECTED)) {
      ec = code(std::errc::destination_address_required);
      return 0;
    }
    return g_udp->sendto(*r, p, n, from_ip(r->pcb.udp->remote_ip, r->pcb.udp->remote_port), ec);
  }
  if (r->k != kind::tcp) {
    ec = code(std::errc::not_connected);
    return 0;
  }
  if (r->error) {
    ec = std::error_code(r->error, std::generic_category());
    r->error = 0;
    return 0;
  }
  if (r->wr_shut || (r->dead && r->eof)) {
    ec = code(std::errc::broken_pipe);
    return 0;
  }
  if (!r->connected || !r->pcb.tcp) {
    ec = code(r->dead ? std::errc::broken_pipe : std::errc::not_connected);
    return 0;
  }
  if (n == 0) return 0;
  for (;;) {
    std::size_t room = tcp_sndbuf(r->pcb.tcp);
    if (tcp_sndqueuelen(r->pcb.tcp) >= TCP_SND_QUEUELEN) room = 0;
    std::size_t len = std::min<std::size_t>(n, std::min<std::size_t>(room, 0xffffu));
    err_t e = ERR_MEM;
    // Out of queue space or pbufs: try a smaller piece, then would-block.
    while (len > 0 && (e = tcp_write(r->pcb.tcp, p, static_cast<u16_t>(len), TCP_WRITE_FLAG_COPY)) == ERR_MEM)
      len /= 2;
    if (e == ERR_OK && len > 0) {
      r->output = true;
      return len;
    }
    if (e != ERR_OK && e != ERR_MEM) {
      ec = code(std::errc::connection_reset);
      return 0;
    }
    if (!r->blocking) {
      ec = code(std::errc::operation_would_block);
      return 0;
    }
    tcp_output(r->pcb.tcp);
    drive(-1, [r] {
      return !r->pcb.tcp || r->error || (tcp_sndbuf(r->pcb.tcp) > 0 && tcp_sndqueuelen(r->pcb.tcp) < TCP_SND_QUEUELEN);
    });
    if (!r->pcb.tcp || r->error) {
      ec = r->error ? std::error_code(r->error, std::generic_category()) : code(std::errc::broken_pipe);
      r->error = 0;
      return 0;
    }
  }
}

std::size_t recv(handle h, void* p, std::size_t n, std::error_code& ec) noexcept {
  ec.clear();
  record* r = lookup(h, ec);
  if (!r) return 0;
  if (r->k == kind::udp) {
    address ignored;
    return g_udp->recvfrom(*r, p, n, ignored, ec);
  }
  if (r->k != kind::tcp) {
    ec = code(r->k == kind::wake ? std::errc::operation_would_block : std::errc::not_connected);
    return 0;
  }
  if (!r->rx && !r->eof && !r->dead) {
    flush();
    if (!r->rx && !r->eof && !r->dead && r->blocking && r->connected)
      drive(-1, [r] { return readable(*r); });
  }
  if (r->rx && n > 0) {
    std::size_t done = 0;
    auto* out = static_cast<unsigned char*>(p);
    while (r->rx && done < n) {
      pbuf* q = r->rx;
      const std::size_t avail = q->len - r->rx_off;
      const std::size_t take = std::min(avail, n - done);
      std::memcpy(out + done, static_cast<const unsigned char*>(q->payload) + r->rx_off, take);
      done += take;
      r->rx_off = static_cast<std::uint16_t>(r->rx_off + take);
      if (r->rx_off == q->len) {
        // The first pbuf of the chain is consumed: free it alone.
        pbuf* rest = q->next;
        if (rest) pbuf_ref(rest);
        pbuf_free(q);  // frees q only (rest has its own reference now)
        r->rx = rest;
        r->rx_off = 0;
      }
    }
    if (r->pcb.tcp) {
      // The window opens by what was read (tcp_recved takes a u16).
      std::size_t left = done;
      while (left > 0) {
        const u16_t part = static_cast<u16_t>(std::min<std::size_t>(left, 0xffffu));
        tcp_recved(r->pcb.tcp, part);
        left -= part;
      }
    }
    return done;
  }
  if (r->rx) return 0;  // n == 0
  if (r->error) {
    ec = std::error_code(r->error, std::generic_category());
    r->error = 0;
    return 0;
  }
  if (r->eof || r->dead || r->rd_shut) return 0;  // end of stream
  if (!r->connected) {
    ec = code(std::errc::not_connected);
    return 0;
  }
  ec = code(std::errc::operation_would_block);
  return 0;
}

std::size_t sendto(handle h, const void* p, std::size_t n, const address& to, std::error_code& ec) noexcept {
  ec.clear();
  record* r = lookup(h, ec);
  if (!r) return 0;
  if (r->k != kind::udp) {
    if (r->k == kind::tcp) return send(h, p, n, false, ec);
    ec = code(std::errc::invalid_argument);
    return 0;
  }
  return g_udp->sendto(*r, p, n, to, ec);
}

std::size_t recvfrom(handle h, void* p, std::size_t n, address& from, std::error_code& ec) noexcept {
  ec.clear();
  record* r = lookup(h, ec);
  if (!r) return 0;
  if (r->k == kind::tcp) {
    std::error_code pe;
    from = peer_address(h, pe);
    return recv(h, p, n, ec);
  }
  if (r->k != kind::udp) {
    ec = code(std::errc::invalid_argument);
    return 0;
  }
  return g_udp->recvfrom(*r, p, n, from, ec);
}

void shutdown(handle h, shutdown_type how, std::error_code& ec) noexcept {
  ec.clear();
  record* r = lookup(h, ec);
  if (!r) return;
  if (r->k != kind::tcp) {
    ec = code(std::errc::not_connected);
    return;
  }
  if (!r->connected && !r->dead) {
    ec = code(std::errc::not_connected);
    return;
  }
  if (how != shutdown_type::send) {
    r->rd_shut = true;
    // What is queued and unread is dropped (and acknowledged).
    if (r->rx && r->pcb.tcp) {
      std::size_t left = r->rx->tot_len - r->rx_off;
      while (left > 0) {
        const u16_t part = static_cast<u16_t>(std::min<std::size_t>(left, 0xffffu));
        tcp_recved(r->pcb.tcp, part);
        left -= part;
      }
    }
    if (r->rx) pbuf_free(r->rx);
    r->rx = nullptr;
    r->rx_off = 0;
  }
  if (how != shutdown_type::receive && !r->wr_shut) {
    r->wr_shut = true;
    if (r->pcb.tcp) {
      // tx only: lwIP's shut_rx would free the pcb when both are shut.
      if (tcp_shutdown(r->pcb.tcp, 0, 1) != ERR_OK) {
        ec = code(std::errc::not_connected);
        return;
      }
      r->output = false;  // tcp_shutdown sent the queue and the FIN
    }
  }
  flush();
}

address local_address(handle h, std::error_code& ec) {
  ec.clear();
  record* r = lookup(h, ec);
  if (!r) return {};
  const family f = static_cast<family>(r->fam);
  if (r->k == kind::wake) return address::loopback(family::inet, 0);
  if (!r->pcb.any) {
    ec = code(std::errc::invalid_argument);
    return {};
  }
  ip_addr_t ip;
  std::uint16_t port;
  if (r->k == kind::udp) {
    ip = r->pcb.udp->local_ip;
    port = r->pcb.udp->local_port;
  } else {
    ip = r->pcb.tcp->local_ip;
    port = r->pcb.tcp->local_port;
  }
  if (IP_IS_ANY_TYPE_VAL(ip) || (f == family::inet6) != IP_IS_V6_VAL(ip)) {
    // An unbound or wildcard pcb: the family's any-address.
    std::memset(&ip, 0, sizeof ip);
    IP_SET_TYPE_VAL(ip, ip_type(f));
  }
  return from_ip(ip, port);
}

address peer_address(handle h, std::error_code& ec) {
  ec.clear();
  record* r = lookup(h, ec);
  if (!r) return {};
  if (r->k == kind::udp && r->pcb.udp && (r->pcb.udp->flags & UDP_FLAGS_CONNECTED))
    return from_ip(r->pcb.udp->remote_ip, r->pcb.udp->remote_port);
  if (r->k != kind::tcp || !r->connected || !r->pcb.tcp) {
    ec = code(std::errc::not_connected);
    return {};
  }
  return from_ip(r->pcb.tcp->remote_ip, r->pcb.tcp->remote_port);
}

namespace {
// The pcb's so_options (shared by tcp_pcb and udp_pcb: IP_PCB).
u8_t* so_options(record& r) noexcept {
  if (r.k == kind::udp && r.pcb.udp) return &r.pcb.udp->so_options;
  if ((r.k == kind::tcp || r.k == kind::listener) && r.pcb.tcp) return &r.pcb.tcp->so_options;
  return nullptr;
}
}  // namespace

int getsockopt(handle h, sockopt opt, std::error_code& ec) noexcept {
  ec.clear();
  record* r = lookup(h, ec);
  if (!r) return 0;
  u8_t* so = so_options(*r);
  switch (opt) {
    case sockopt::error: {
      const int e = r->error;
      r->error = 0;
      return e;
    }
    case sockopt::type:
      return static_cast<int>(r->k == kind::udp || r->k == kind::wake ? socket_type::dgram : socket_type::stream);
    case sockopt::reuse_addr: return so && (*so & SOF_REUSEADDR) ? 1 : 0;
    case sockopt::keep_alive: return so && (*so & SOF_KEEPALIVE) ? 1 : 0;
    case sockopt::broadcast: return so && (*so & SOF_BROADCAST) ? 1 : 0;
    case sockopt::rcvbuf: return TCP_WND;
    case sockopt::sndbuf: return TCP_SND_BUF;
    case sockopt::tcp_nodelay:
      if (r->k != kind::tcp) break;
      return r->nodelay ? 1 : 0;
    case sockopt::v6only: return r->fam == static_cast<std::uint8_t>(family::inet6) ? 1 : 0;
    case sockopt::linger: return r->linger;
  }
  ec = code(std::errc::no_protocol_option);
  return 0;
}

void setsockopt(handle h, sockopt opt, int value, std::error_code& ec) noexcept {
  ec.clear();
  record* r = lookup(h, ec);
  if (!r) return;
  u8_t* so = so_options(*r);
  auto flag = [&](u8_t bit) {
    if (!so) {
      ec = code(std::errc::invalid_argument);
      return;
    }
    *so = static_cast<u8_t>(value ? (*so | bit) : (*so & ~bit));
  };
  switch (opt) {
    case sockopt::reuse_addr: flag(SOF_REUSEADDR); return;
    case sockopt::keep_alive: flag(SOF_KEEPALIVE); return;
    case sockopt::broadcast: flag(SOF_BROADCAST); return;
    case sockopt::tcp_nodelay:
      if (r->k != kind::tcp) break;
      r->nodelay = value != 0;
      if (r->pcb.tcp) {
        if (r->nodelay) {
          tcp_nagle_disable(r->pcb.tcp);
        } else {
          tcp_nagle_enable(r->pcb.tcp);
        }
      }
      return;
    case sockopt::linger:
      r->linger = value < 0 ? -1 : value > 127 ? 127 : value;
      return;
    case sockopt::v6only:
      // An IPv6 pcb of this platform is IPv6-only: accepting 1 (or the
      // default) changes nothing.
      if (r->fam == static_cast<std::uint8_t>(family::inet6) && value) return;
      break;
    default: break;  // error, type: read-only; rcvbuf, sndbuf: lwipopts.h fixes them
  }
  ec = code(std::errc::no_protocol_option);
}

std::error_code pending_error(handle h) noexcept {
  std::error_code ec;
  record* r = lookup(h, ec);
  if (!r) return ec;
  if (r->connecting) flush();
  if (!r->error) return {};
  const int e = r->error;
  r->error = 0;
  return std::error_code(e, std::generic_category());
}

void set_reuse_addr(handle h, std::error_code& ec) noexcept { setsockopt(h, sockopt::reuse_addr, 1, ec); }

void set_blocking(handle h, bool blocking, std::error_code& ec) noexcept {
  ec.clear();
  record* r = lookup(h, ec);
  if (r) r->blocking = blocking;
}

bool blocking(handle h, std::error_code& ec) noexcept {
  ec.clear();
  record* r = lookup(h, ec);
  return r && r->blocking;
}

bool inheritable(handle h, std::error_code& ec) noexcept {
  ec.clear();
  (void)lookup(h, ec);
  return false;  // nothing to inherit them: no processes
}

family get_family(handle h, std::error_code& ec) noexcept {
  ec.clear();
  record* r = lookup(h, ec);
  return r ? static_cast<family>(r->fam) : family::unspec;
}

socket_type get_type(handle h, std::error_code& ec) noexcept {
  ec.clear();
  record* r = lookup(h, ec);
  return r && (r->k == kind::udp || r->k == kind::wake) ? socket_type::dgram : socket_type::stream;
}

void socket_pair(handle out[2], std::error_code& ec) noexcept {
  // A TCP connection over loopback, made in this thread: listen, connect,
  // drive the stack until the listener has it, accept. TCP_NODELAY on both
  // ends (a socketpair passes each write on at once).
  out[0] = out[1] = invalid_handle;
  ec.clear();
#if LWIP_IPV4
  const family f = family::inet;
#else
  const family f = family::inet6;
#endif
  std::error_code ignored;
  // The connecting end first: it gets the lowest free handle (a closed
  // channel's), as socketpair() gets the lowest free descriptor.
  handle c = open(f, socket_type::stream, ec);
  if (ec) return;
  handle l = open(f, socket_type::stream, ec);
  if (ec) {
    close(c, ignored);
    return;
  }
  handle s = invalid_handle;
  address where;
  bind(l, address::loopback(f, 0), ec);
  if (!ec) listen(l, 1, ec);
  if (!ec) where = local_address(l, ec);
  if (!ec) {
    connect(c, where, ec);
    if (ec == std::errc::operation_in_progress) ec.clear();
  }
  if (!ec) {
    record* lr = get(l);
    record* cr = get(c);
    drive(5000000, [lr, cr] { return lr->queue >= 0 && !cr->connecting; });
    s = accept(l, nullptr, ec);
    if (!ec && (cr->error || !cr->connected)) ec = code(std::errc::connection_refused);
  }
  if (!ec) setsockopt(c, sockopt::tcp_nodelay, 1, ec);
  if (!ec) setsockopt(s, sockopt::tcp_nodelay, 1, ec);
  close(l, ignored);
  if (ec) {
    close(c, ignored);
    if (s != invalid_handle) close(s, ignored);
    return;
  }
  out[0] = c;
  out[1] = s;
}

address resolve(std::string_view host, std::uint16_t port, family f, std::error_code& ec) {
  // Numeric hosts and "localhost" only (no DNS in this platform yet).
  ec.clear();
  std::error_code pe;
  address a = address::parse(host, port, pe);
  if (!pe && a && (f == family::unspec || a.get_family() == f)) return a;
  ec = make_error_code(errc::host_not_found);
  return {};
}

void resolve_async(std::string host, std::uint16_t port, family f,
                   std::function<void(std::error_code, address)> done) noexcept {
  std::error_code ec;
  address a = resolve(host, port, f, ec);
  done(ec, a);
}

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
