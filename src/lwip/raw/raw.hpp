// SPDX-License-Identifier: MIT
// asyncore for C++ (internal, lwIP raw-API platform): the connection table.
//
// ASYNCORE_PLATFORM=lwip with ASYNCORE_LWIP_API=raw: lwIP with NO_SYS=1 and
// its raw callback API (tcp_*, udp_*), no sockets, no netconn, no threads
// into lwIP. Every lwIP call is made from the loop's thread (the one that
// calls asyncore's functions); lwIP's callbacks run inside those calls (in
// netif input, sys_check_timeouts, tcp_output ...) and only record state in
// the connection's record. Handlers run from the loop, never from inside an
// lwIP callback.
//
// A handle is the index of a record in a fixed table of
// ASYNCORE_LWIP_RAW_MAX_HANDLES entries (lwipopts.h may set it; 16 by
// default). A record holds the pcb, the received pbufs (TCP: one chain, the
// window is the back-pressure: tcp_recved() as the application reads; UDP: a
// queue of datagrams with their senders), the accept queue of a listener,
// and the state flags the poller turns into readiness.
//
// What the port provides (C linkage; ports/lwip-raw-host is the host's):
//   void asyncore_lwip_raw_service(void)  polls the network interfaces
//        (reads what the NIC received into lwIP; the host: loopback)
//   void asyncore_lwip_raw_idle(u32_t ms) sleeps until an interrupt, a
//        notify, or `ms` milliseconds (the next lwIP timeout or the loop's
//        deadline): WFI on a board, a condition variable on the host
//   void asyncore_lwip_raw_notify(void)   ends an idle early; called from any
//        context (another thread, an interrupt handler) after a wake-up flag
//        is set (call_soon_threadsafe)
//   u32_t asyncore_lwip_raw_protect(void) masks the interrupts that may post
//        (call_soon_threadsafe, request_exit) and returns what to restore:
//        on a Cortex-M, PRIMASK read, then `cpsid i`; the host: 0 (threads
//        stand in for interrupts, and preempt each other)
//   void asyncore_lwip_raw_unprotect(u32_t token)  restores it (PRIMASK)
// and, optionally, ASYNCORE_LWIP_ENSURE_STARTED() in lwipopts.h (lwip_init
// and the network interfaces before the first handle is opened).
#ifndef ASYNCORE_SRC_LWIP_RAW_RAW_HPP
#define ASYNCORE_SRC_LWIP_RAW_RAW_HPP

#include "lwip/opt.h"
#include "lwip/init.h"

#if LWIP_VERSION < 0x02010000
#error "asyncore's lwIP raw platform needs lwIP 2.1 or later (tcp_backlog_delayed, sys_timeouts_sleeptime)."
#endif
#if !NO_SYS
#error "ASYNCORE_LWIP_API=raw is lwIP's raw API without an OS: set NO_SYS 1 in lwipopts.h (with an RTOS, use the sockets port: ASYNCORE_LWIP_API=sockets)."
#endif
#if !LWIP_TCP || !LWIP_UDP
#error "asyncore's lwIP raw platform needs LWIP_TCP 1 and LWIP_UDP 1 in lwipopts.h."
#endif
#if !TCP_LISTEN_BACKLOG
#error "asyncore's lwIP raw platform needs TCP_LISTEN_BACKLOG 1 in lwipopts.h (connections waiting in a listener's queue count against its backlog)."
#endif

#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"

#include <asyncore/address.hpp>
#include <asyncore/socket.hpp>

#include <atomic>
#include <cstdint>
#include <system_error>

#ifndef ASYNCORE_LWIP_RAW_MAX_HANDLES
#define ASYNCORE_LWIP_RAW_MAX_HANDLES 16
#endif
#ifndef ASYNCORE_LWIP_RAW_MAX_DATAGRAMS
#define ASYNCORE_LWIP_RAW_MAX_DATAGRAMS 16  // queued, not yet read, over all UDP handles
#endif

extern "C" {
void asyncore_lwip_raw_service(void);
void asyncore_lwip_raw_idle(u32_t ms);
void asyncore_lwip_raw_notify(void);
u32_t asyncore_lwip_raw_protect(void);
void asyncore_lwip_raw_unprotect(u32_t token);
}

namespace asyncore {
namespace detail {
namespace lwip_raw {

enum class kind : std::uint8_t { free, tcp, listener, udp, wake };

/// A signed value kept as value + 1, so that its empty value (-1: no entry,
/// linger off) is zero. Every field of a free record is then zero and the
/// handle and datagram tables start in .bss: with -1 initialisers the handle
/// table was 1.25 KiB of .data, flash on a device, copied at start-up.
template <class U>
struct plus_one {
  U stored = 0;
  constexpr operator int() const noexcept { return static_cast<int>(stored) - 1; }
  constexpr plus_one& operator=(int v) noexcept {
    stored = static_cast<U>(v + 1);
    return *this;
  }
};
using link16 = plus_one<std::uint16_t>;  ///< an index into a table, -1 for none

/// One handle. Touched only by the loop's thread (lwIP's callbacks run in it).
struct record {
  kind k = kind::free;
  std::uint8_t fam = 0;          ///< asyncore::family
  bool blocking = false;         ///< set_blocking(true): connect/accept/recv/send wait
  bool connecting = false;       ///< tcp_connect issued, not yet connected or failed
  bool connected = false;        ///< established (connect completed or accepted)
  bool eof = false;              ///< the peer's FIN arrived (reported once rx is empty)
  bool dead = false;             ///< lwIP freed or we let go of the pcb
  bool rd_shut = false;          ///< shutdown(receive): data is dropped, recv gives 0
  bool wr_shut = false;          ///< shutdown(send) done
  bool output = false;           ///< tcp_write queued data: tcp_output at the next service
  bool in_queue = false;         ///< accepted by lwIP, waiting in a listener's queue
  bool nodelay = false;
  plus_one<std::uint8_t> linger;  ///< SO_LINGER as asyncore keeps it (-1 off, 0 abort on close)
  int error = 0;                 ///< pending error (std::errc value), read by pending_error
  union {
    tcp_pcb* tcp;
    udp_pcb* udp;
    void* any;
  } pcb{nullptr};
  pbuf* rx = nullptr;            ///< TCP: received data; rx_off bytes of it already read
  std::uint16_t rx_off = 0;
  link16 dgram;                  ///< UDP: first queued datagram (index into the datagram pool)
  link16 next;                   ///< listener queue link
  link16 queue;                  ///< listener: first accepted connection
  link16 listener;               ///< queued connection: its listener
  std::uint16_t ephemeral = 0;
};

constexpr int max_handles = ASYNCORE_LWIP_RAW_MAX_HANDLES;

/// A free record made `k` (its wake-up flag cleared), or -1 when the table
/// is full.
int alloc_handle(kind k, family f) noexcept;

/// The record of a handle, or null when the handle is out of range or free.
record* get(native_handle_type h) noexcept;

/// Wake-up flags, one per handle (set from any context).
extern std::atomic<bool> g_wake[max_handles];

/// Services the stack once: tcp_output for every record with queued output,
/// the network interfaces (the port's asyncore_lwip_raw_service), and lwIP's
/// timeouts (sys_check_timeouts). Never runs a handler.
void service() noexcept;

/// The readiness of a handle, in asyncore's poll bits (pollin, pollout,
/// pollerr, pollnval), masked by `want` (pollerr and pollnval always).
unsigned readiness(native_handle_type h, unsigned want) noexcept;

/// Whether a record's connection counts as readable (data, EOF, error).
bool readable(const record& r) noexcept;

/// Waits (servicing the stack, sleeping in the port's idle) until `ready()`
/// or `timeout_us` (< 0: without limit). Returns ready().
template <class Ready>
bool drive(std::int64_t timeout_us, Ready ready) noexcept;

/// monotonic time in milliseconds (sys_now, extended to 64 bits).
std::uint64_t now_ms() noexcept;

/// Sleeps in the port's idle, at most `ms` and at most until lwIP's next
/// timeout, unless a wake-up flag is set.
void idle(std::uint32_t ms) noexcept;

/// An std::errc value as an error_code.
inline std::error_code code(std::errc e) noexcept { return std::make_error_code(e); }

template <class Ready>
bool drive(std::int64_t timeout_us, Ready ready) noexcept {
  const std::uint64_t start = now_ms();
  const std::uint64_t limit_ms = timeout_us < 0 ? ~std::uint64_t(0) : std::uint64_t((timeout_us + 999) / 1000);
  for (;;) {
    service();
    if (ready()) return true;
    const std::uint64_t spent = now_ms() - start;
    if (timeout_us >= 0 && spent >= limit_ms) return false;
    const std::uint64_t left = limit_ms - spent;
    idle(left > 0xfffffffeu ? 0xfffffffeu : static_cast<std::uint32_t>(left));
  }
}

}  // namespace lwip_raw
}  // namespace detail
}  // namespace asyncore

#endif  // ASYNCORE_SRC_LWIP_RAW_RAW_HPP
