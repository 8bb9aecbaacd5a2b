// SPDX-License-Identifier: MIT
// asyncore for C++: dispatcher (Python's asyncore.dispatcher, lines 215-507).
#include <asyncore/dispatcher.hpp>
#include <asyncore/log.hpp>

#include "core.hpp"
#include "map_state.hpp"
#include "or_throw.hpp"
#include "platform.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace asyncore {

namespace {

// accept() pauses after running out of descriptors or buffers: 10 ms, then
// doubling up to one second while the condition lasts.
constexpr std::int64_t accept_pause_min_us = 10 * 1000;
constexpr std::int64_t accept_pause_max_us = 1000 * 1000;

bool accept_none(const std::error_code& ec) {
  // Python tolerates EWOULDBLOCK, EAGAIN and ECONNABORTED; accept(2) on Linux
  // also asks to treat these network errors of the new connection as "try
  // again" (EPROTO, ENOPROTOOPT, ENETDOWN, EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH).
  static constexpr std::errc again[] = {
      std::errc::operation_would_block, std::errc::connection_aborted,      std::errc::protocol_error,
      std::errc::no_protocol_option,    std::errc::network_down,            std::errc::host_unreachable,
      std::errc::operation_not_supported, std::errc::network_unreachable, std::errc::interrupted};
  return detail::is_any_of(ec, again);
}

bool accept_exhausted(const std::error_code& ec) {
  static constexpr std::errc exhausted[] = {std::errc::too_many_files_open,
                                            std::errc::too_many_files_open_in_system, std::errc::no_buffer_space,
                                            std::errc::not_enough_memory};
  return detail::is_any_of(ec, exhausted) || ec == make_error_code(errc::descriptors_exhausted);
}

}  // namespace

dispatcher::dispatcher(socket_map* map) noexcept : map_(map ? map : &default_map()) {}

dispatcher::dispatcher(asyncore::socket sock, socket_map* map, std::error_code& ec) : dispatcher(map) {
  adopt_socket(std::move(sock), ec);
}

#if ASYNCORE_HAS_EXCEPTIONS
dispatcher::dispatcher(asyncore::socket sock, socket_map* map) : dispatcher(map) {
  detail::or_throw("dispatcher", [&](std::error_code& ec) { adopt_socket(std::move(sock), ec); });
}
#endif

void dispatcher::adopt_socket(asyncore::socket sock, std::error_code& ec) {
  ec.clear();
  if (!sock) return;
  sock.set_blocking(false, ec);
  if (ec) return;  // `sock` closes itself
  set_socket(std::move(sock), map_);
  connected = true;
  std::error_code pe;
  addr = socket_.getpeername(pe);
  if (pe) {
    connected = false;
    addr = address();
    if (pe != std::errc::not_connected && pe != std::errc::invalid_argument) {
      // Python unregisters and re-raises but leaves the socket open; we close it.
      del_channel();
      socket_.close();
      ec = pe;
    }
  }
}

dispatcher::~dispatcher() {
  delete tls_;  // TLS: no close_notify from a destructor (close() sends it)
  detail::cancel_owned(timers_);
  del_channel();
  // An owned channel deleted by hand: keep the map from freeing it again.
  if (buried_in_) buried_in_->unbury(*this);
}

// -- predicates and default handlers (Python A:313-317, A:481-504) -------------

bool dispatcher::readable() { return true; }
bool dispatcher::writable() { return true; }

void dispatcher::set_stable_predicates(bool on) noexcept {
  stable_ = on;
  if (!on) announced_ = false;
  if (registered_in_) detail::core::state(*registered_in_).set_stable(*this, on);
}

void dispatcher::set_announced_predicates(bool on) noexcept {
  if (on && !stable_) set_stable_predicates(true);
  announced_ = on;
  interest_changed();  // sampled once more, under the new rule
}

void dispatcher::interest_changed() noexcept {
  if (stable_ && registered_in_) detail::core::state(*registered_in_).mark_dirty(slot_);
}
void dispatcher::handle_read() { log_info("unhandled read event", "warning"); }
void dispatcher::handle_write() { log_info("unhandled write event", "warning"); }
void dispatcher::handle_expt() { log_info("unhandled incoming priority event", "warning"); }
void dispatcher::handle_connect() { log_info("unhandled connect event", "warning"); }
void dispatcher::handle_tls_handshake() {}

void dispatcher::handle_accept() {
  std::error_code ec;
  std::optional<accepted_socket> pair = accept(ec);
  if (pair) {
    handle_accepted(std::move(pair->sock), pair->addr);
  } else if (ec) {
    log_info("accept failed, will retry: " + error_text(ec), "error");
  }
}

void dispatcher::handle_accepted(asyncore::socket sock, const address&) {
  sock.close();
  log_info("unhandled accepted event", "warning");
}

void dispatcher::handle_close() {
  log_info("unhandled close event", "warning");
  close();
}

void dispatcher::handle_error(const error_cause& cause) {
  log_info("uncaptured error, closing channel " + repr() + " (" + cause.what + ")", "error");
  handle_close();
}

// -- events (Python A:415-459) ----------------------------------------------------

void dispatcher::handle_read_event() {
  if (accepting) {
    handle_accept();
  } else if (!connected) {
    if (connecting && !complete_connect()) return;
    handle_read();
  } else {
    handle_read();
  }
}

void dispatcher::handle_write_event() {
  if (accepting) return;  // listeners have nothing to write
  if (!connected && connecting && !complete_connect()) return;
  handle_write();
}

void dispatcher::handle_expt_event() {
  std::error_code err = socket_.pending_error();
  if (err) {
    if (connecting) {
      connecting = false;
      interest_changed();  // (announced predicates: every change of the connection state is)
      handle_error(error_cause{err, nullptr, "connect failed: " + error_text(err)});
    } else {
      detail::core::deliver_error(*this, err, "socket error");
    }
    return;
  }
  handle_expt();
}

bool dispatcher::complete_connect() {
  const detail::open_watch watch(*this);
  std::error_code ec = handle_connect_event();
  if (ec) {
    handle_error(error_cause{ec, nullptr, "connect failed: " + error_text(ec)});
    return false;
  }
  return !watch.closed();
}

std::error_code dispatcher::handle_connect_event() {
  std::error_code err = socket_.pending_error();
  // The attempt is over either way; resetting `connecting` first also keeps
  // a handle_connect that throws from being re-entered on the next event.
  connecting = false;
  interest_changed();  // (announced predicates; covers `connected` below too)
  if (err) return err;
  const detail::open_watch watch(*this);
  handle_connect();
  if (!watch.closed()) connected = true;
  return {};
}

void detail::core::deliver_error(dispatcher& d, const std::error_code& ec, const char* what) {
  if (is_disconnect(ec)) {
    d.handle_close();
  } else if (d.tls_) {
    d.handle_error(error_cause{ec, nullptr, d.tls_->describe(what, ec)});  // with the engine's reason
  } else {
    d.handle_error(error_cause{ec, nullptr, std::string(what) + ": " + error_text(ec)});
  }
}

// -- socket methods (Python A:285-402) --------------------------------------------

void dispatcher::open_socket(family f, socket_type t, std::error_code& ec) {
  asyncore::socket s(detail::platform::open(f, t, ec));  // not socket::open: `t` is not a constant here
  if (ec) return;
  set_socket(std::move(s));
  datagram_ = t == socket_type::dgram;
}

void dispatcher::set_socket(asyncore::socket sock, socket_map* map) {
  del_channel();
  socket_ = std::move(sock);
  std::error_code ec;
  datagram_ = socket_ && socket_.get_type(ec) == socket_type::dgram && !ec;
  add_channel(map);
}

void dispatcher::set_reuse_addr() noexcept {
  std::error_code ignored;
  detail::platform::set_reuse_addr(socket_.fileno(), ignored);
}

void dispatcher::bind(const address& a, std::error_code& ec) {
  addr = a;
  if (!socket_) {
    ec = make_error_code(errc::no_socket);
    return;
  }
  if (!a) {
    ec = make_error_code(errc::invalid_address);
    return;
  }
  socket_.bind(a, ec);
}

void dispatcher::listen(int backlog, std::error_code& ec) {
  accepting = true;
  interest_changed();  // (announced predicates: listen() may run outside a handler)
  if (!socket_) {
    ec = make_error_code(errc::no_socket);
    return;
  }
  socket_.listen(backlog, ec);
}

void dispatcher::connect(const address& a, std::error_code& ec) {
  connected = false;
  connecting = true;
  interest_changed();  // (announced predicates: connect() may run outside a handler)
  if (!socket_ || !a) {
    connecting = false;
    ec = make_error_code(socket_ ? errc::invalid_address : errc::no_socket);
    return;
  }
  socket_.connect(a, ec);
  if (ec == std::errc::operation_in_progress || ec == std::errc::connection_already_in_progress ||
      ec == std::errc::operation_would_block) {
    addr = a;
    ec.clear();
    return;
  }
  if (!ec || ec == std::errc::already_connected) {
    addr = a;
    ec = handle_connect_event();
    return;
  }
  connecting = false;  // Python leaves it true after an immediate failure
}

std::optional<accepted_socket> dispatcher::accept(std::error_code& ec) {
  ec.clear();
  if (!socket_) {
    ec = make_error_code(errc::no_socket);
    return std::nullopt;
  }
  if (accept_pause_until_ != 0) {
    if (detail::platform::monotonic_us() < accept_pause_until_) return std::nullopt;
    accept_pause_until_ = 0;
  }
  accepted_socket r;
  r.sock = socket_.accept(&r.addr, ec);
  if (!ec) {
    accept_pause_us_ = 0;
    return r;
  }
  if (accept_none(ec)) {
    ec.clear();
    return std::nullopt;
  }
  if (accept_exhausted(ec)) {
    // Out of descriptors or buffers: the pending connection stays in the
    // backlog and the listener stays readable, so pause accepting instead of
    // spinning (the loop leaves this listener out until the pause ends).
    accept_pause_us_ = std::min(std::max(accept_pause_us_ * 2, accept_pause_min_us), accept_pause_max_us);
    accept_pause_until_ = detail::platform::monotonic_us() + accept_pause_us_;
    interest_changed();  // the loop leaves the listener out: it must sample it
  }
  return std::nullopt;
}

std::size_t dispatcher::send(const void* data, std::size_t n, std::error_code& ec) {
  if (!socket_) {
    ec.clear();
    return 0;
  }  // else the socket call sets ec
  std::size_t r = tls_ ? tls_->send(*this, data, n, ec) : socket_.send(data, n, ec);
  if (!ec) return r;
  if (ec == std::errc::operation_would_block) {
    ec.clear();
    return 0;
  }
  if (is_disconnect(ec)) {
    ec.clear();
    handle_close();
  } else if (tls_) {
    tls_error(ec, "send");
  }
  return 0;
}

std::size_t dispatcher::recv(void* buf, std::size_t n, std::error_code& ec) {
  if (!socket_) {
    ec.clear();
    return 0;
  }  // else the socket call sets ec
  std::size_t r = detail::core::stream_recv(*this, buf, n, ec);
  if (!ec) {
    // An empty read is the end of the stream, except on a datagram socket
    // where it is an empty datagram (Python closes the channel there).
    if (r == 0 && n > 0 && !datagram_) handle_close();
    return r;
  }
  if (ec == std::errc::operation_would_block) {
    ec.clear();  // "no data": neither an error nor the end of the stream
    return 0;
  }
  if (is_disconnect(ec)) {
    ec.clear();
    handle_close();
  } else if (tls_) {
    tls_error(ec, "recv");
  }
  return 0;
}

// A TLS error from recv/send (a bad record, a failed engine): the channel
// cannot go on, so it goes to handle_error (with the engine's reason), as
// a disconnect goes to handle_close.
void dispatcher::tls_error(std::error_code& ec, const char* what) {
  const std::error_code e = ec;
  ec.clear();
  detail::core::deliver_error(*this, e, what);
}

std::size_t detail::core::send_failed(std::error_code& ec) noexcept {
  if (ec == std::errc::operation_would_block || ec == std::errc::resource_unavailable_try_again) ec.clear();
  return 0;
}

std::size_t detail::core::transmit(dispatcher& d, const char* p, std::size_t n, std::size_t chunk,
                                   std::size_t& budget, std::error_code& ec) {
  if (ec) ec.clear();  // per message: clear() calls system_category() out of line
  std::size_t total = 0;
  if (!d.socket_) return 0;
  if (chunk == 0) chunk = 1;
  while (total < n && budget != 0) {
    const std::size_t want = std::min(std::min(chunk, budget), n - total);
    const std::size_t sent =
        d.tls_ ? d.tls_->send(d, p + total, want, ec) : platform::send(d.socket_.native_handle(), p + total, want, false, ec);
    if (ec) {
      send_failed(ec);
      break;
    }
    total += sent;
    budget -= std::min(budget, sent);
    if (sent < want) break;  // a short write: the socket is full
  }
  return total;
}

std::string dispatcher::recv(std::size_t n, std::error_code& ec) {
  std::string out(n, '\0');
  out.resize(recv(&out[0], n, ec));
  return out;
}

std::size_t dispatcher::sendto(const void* data, std::size_t n, const address& to, std::error_code& ec) {
  ec.clear();
  if (!socket_) return 0;
  std::size_t r = socket_.sendto(data, n, to, ec);
  if (ec == std::errc::operation_would_block) {
    ec.clear();
    return 0;
  }
  return r;
}

std::size_t dispatcher::recvfrom(void* buf, std::size_t n, address& from, std::error_code& ec) {
  ec.clear();
  from = address();
  if (!socket_) return 0;
  std::size_t r = socket_.recvfrom(buf, n, from, ec);
  if (ec) {
    from = address();
    if (ec == std::errc::operation_would_block) ec.clear();
    return 0;
  }
  return r;
}

void dispatcher::close(std::error_code& ec) {
  ec.clear();
  connected = false;
  accepting = false;
  connecting = false;
  detail::cancel_owned(timers_);  // no timer of a closed channel runs
  pending_resolve_.reset();       // nor the end of a connect by name
  if (tls_) {
    // TLS: close_notify goes out (what the socket takes now); the channel
    // is a plain one again.
    detail::tls_transport* t = tls_;
    tls_ = nullptr;
    t->shutdown(*this);
    delete t;
  }
  del_channel();
  socket_.close(ec);
  if (ec == std::errc::not_connected || ec == std::errc::bad_file_descriptor) ec.clear();
  ++closes_;
}

void dispatcher::close() {
  std::error_code ignored;
  close(ignored);
}

#if ASYNCORE_HAS_EXCEPTIONS
// The throwing overloads: each the error_code one, through or_throw.
void dispatcher::create_socket(family f, socket_type t) {
  detail::or_throw("create_socket", [&](std::error_code& ec) { create_socket(f, t, ec); });
}
void dispatcher::bind(const address& a) {
  detail::or_throw("bind", [&](std::error_code& ec) { bind(a, ec); });
}
void dispatcher::listen(int backlog) {
  detail::or_throw("listen", [&](std::error_code& ec) { listen(backlog, ec); });
}
void dispatcher::connect(const address& a) {
  detail::or_throw("connect", [&](std::error_code& ec) { connect(a, ec); });
}
std::optional<accepted_socket> dispatcher::accept() {
  return detail::or_throw("accept", [&](std::error_code& ec) { return accept(ec); });
}
std::size_t dispatcher::send(const void* data, std::size_t n) {
  return detail::or_throw("send", [&](std::error_code& ec) { return send(data, n, ec); });
}
std::size_t dispatcher::recv(void* buf, std::size_t n) {
  return detail::or_throw("recv", [&](std::error_code& ec) { return recv(buf, n, ec); });
}
std::string dispatcher::recv(std::size_t n) {
  return detail::or_throw("recv", [&](std::error_code& ec) { return recv(n, ec); });
}
std::size_t dispatcher::sendto(const void* data, std::size_t n, const address& to) {
  return detail::or_throw("sendto", [&](std::error_code& ec) { return sendto(data, n, to, ec); });
}
std::size_t dispatcher::recvfrom(void* buf, std::size_t n, address& from) {
  return detail::or_throw("recvfrom", [&](std::error_code& ec) { return recvfrom(buf, n, from, ec); });
}
#endif

// -- registration ---------------------------------------------------------------

void dispatcher::add_channel(socket_map* map) {
  socket_map* m = map ? map : map_;
  if (!socket_) return;
  detail::core::state(*m).add(*this);
}

void dispatcher::del_channel(socket_map*) noexcept {
  if (registered_in_) detail::core::state(*registered_in_).remove(*this);
}

void detail::adopt_owned(dispatcher& d) {
  detail::core::mark_owned(d);
  if (!d.registered()) detail::core::state(*d.map()).adopt(d);
}

// -- text form and logging (Python A:257-268, A:405-413) ----------------------------

std::string dispatcher::repr() const {
  std::string s = "<";
  s.append(type_name().data(), type_name().size());
  if (accepting && addr) {
    s += " listening";
  } else if (connected) {
    s += " connected";
  }
  if (addr) {
    s += ' ';
    s += addr.to_string();
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, " at %#" PRIxPTR ">", reinterpret_cast<std::uintptr_t>(this));
  s += buf;
  return s;
}

void dispatcher::log(std::string_view message) {
  std::string line = "log: ";
  line.append(message.data(), message.size());
  write_log(log_stream::log, line);
}

void dispatcher::log_info(std::string_view message, std::string_view type) {
  if (log_type_ignored(type)) return;
  std::string line(type);
  line += ": ";
  line.append(message.data(), message.size());
  write_log(log_stream::info, line);
}

void dispatcher::set_ignore_log_types(std::vector<std::string> types) {
  ignore_log_types_ = std::make_unique<std::vector<std::string>>(std::move(types));
}

bool dispatcher::log_type_ignored(std::string_view type) const noexcept {
  if (!ignore_log_types_) return type == "warning";
  for (const std::string& t : *ignore_log_types_)
    if (t == type) return true;
  return false;
}

}  // namespace asyncore
