// SPDX-License-Identifier: MIT
// asyncore for C++: the loop (Python A:81-213, A:558-574).
//
// One iteration (poll_once): sample every channel's predicates into its slot,
// let the backend wait, then dispatch each ready slot with readwrite(). The
// mapping from raw readiness to handlers is decided here, once, for every
// backend and platform:
//   - hang-up or error on a connecting channel -> the write path, which reads
//     SO_ERROR and reports a failed connect through handle_error;
//   - hang-up or error on a channel that reads -> the read path first, so
//     buffered data is read and recv reports the end or the error (nothing
//     is dropped, and the close comes from recv);
//   - otherwise hang-up, error and invalid handles -> handle_close.
#include <asyncore/loop.hpp>
#include <asyncore/log.hpp>

#include "core.hpp"
#include "map_state.hpp"
#include "platform.hpp"
#include "poller.hpp"

#include <cmath>
#include <exception>
#include <optional>
#include <string>

namespace asyncore {

namespace pf = detail::platform;

namespace {

using detail::core;
using detail::map_state;
using detail::open_watch;

struct depth_guard {
  explicit depth_guard(map_state& m) : m_(m) { m_.enter(); }
  ~depth_guard() { m_.leave(); }
  depth_guard(const depth_guard&) = delete;
  depth_guard& operator=(const depth_guard&) = delete;
  map_state& m_;
};

#if ASYNCORE_HAS_EXCEPTIONS
// Called inside a catch block: the cause of the exception in flight.
// exit_now is rethrown (it leaves the loop).
error_cause current_cause() {
  error_cause cause;
  cause.exception = std::current_exception();
  try {
    throw;
  } catch (const exit_now&) {
    throw;
  } catch (const std::system_error& e) {
    cause.code = e.code();
    cause.what = e.what();
  } catch (const std::exception& e) {
    cause.what = e.what();
  } catch (...) {
    cause.what = "unknown exception";
  }
  return cause;
}

void log_closed_exception(const error_cause& cause) {
  write_log(log_stream::log, "log: exception from a closed channel: " + cause.what);
}

// Called inside a catch block: Python's exception policy (A:86-128).
// exit_now leaves the loop; a disconnect error gives handle_close; anything
// else gives handle_error with the exception. A channel that closed before
// throwing gets no handler: the error is logged instead. Only what
// handle_error throws (and exit_now) leaves: an exception from the
// handle_close of a disconnect goes to handle_error.
void handle_current_exception(dispatcher& d, const open_watch& watch) {
  error_cause cause = current_cause();
  if (watch.closed()) {
    log_closed_exception(cause);
    return;
  }
  if (cause.code && is_disconnect(cause.code)) {
    try {
      d.handle_close();
      return;
    } catch (...) {
      cause = current_cause();
    }
    if (watch.closed()) {
      log_closed_exception(cause);
      return;
    }
  }
  d.handle_error(cause);
}
#endif

// Runs one handler with the exception policy; false if it threw.
template <class F>
bool guarded(dispatcher& d, F&& f) {
#if ASYNCORE_HAS_EXCEPTIONS
  const open_watch watch(d);
  try {
    f();
    return true;
  } catch (...) {
    handle_current_exception(d, watch);
    return false;
  }
#else
  (void)d;
  f();
  return true;
#endif
}

// Dispatches `flags` to `d` (Python's readwrite), stopping as soon as the
// channel closed or left the map. `m`/`slot` identify the registration the
// event belongs to (null for direct calls); the slot is checked before the
// dispatcher is touched, so a channel destroyed by another's handler is
// never reached.
void dispatch(dispatcher& d, unsigned flags, map_state* m, std::uint32_t slot) {
  const open_watch watch(d);
  auto alive = [&] {
    if (m && (slot >= m->slots.size() || m->slots[slot].d != &d)) return false;
    return !watch.closed();
  };
  if (detail::tls_transport* t = core::tls(d)) {
    // TLS: the handshake and the ciphertext flush come first; the hooks get
    // what is left (src/tls/layer.cpp).
    if (!guarded(d, [&] { flags = t->event(d, flags); }) || flags == 0 || !alive()) return;
  }
  if (flags & pollin) {
    if (!guarded(d, [&] { d.handle_read_event(); }) || !alive()) return;
  }
  if (flags & pollout) {
    if (!guarded(d, [&] { d.handle_write_event(); }) || !alive()) return;
  }
  if (flags & pollpri) {
    if (!guarded(d, [&] { d.handle_expt_event(); }) || !alive()) return;
  }
  if (flags & (pollhup | pollerr | pollnval)) guarded(d, [&] { d.handle_close(); });
}

// A listener in an accept pause (see dispatcher::accept) is left out of the
// wait until the pause ends; returns the interest to register.
ASYNCORE_NOINLINE unsigned apply_accept_pause(map_state& m, dispatcher& d, std::uint32_t i, unsigned want,
                                              std::int64_t& now, std::int64_t& wake_us) {
  if (now == 0) now = pf::monotonic_us();
  const std::int64_t left = core::accept_paused_until(d) - now;
  if (left > 0) {
    want &= ~static_cast<unsigned>(pollin | pollpri);
    if (wake_us < 0 || left < wake_us) wake_us = left;
    m.mark_dirty(i);  // the pause ends by time: sample again
  }
  return want;
}

// TLS: the engine's wants join the channel's own interest; a channel whose
// engine already holds plaintext gets a read event without a socket event.
ASYNCORE_NOINLINE unsigned sample_tls(map_state& m, detail::tls_transport& t, dispatcher& d, std::uint32_t i,
                                      bool r, bool w, unsigned want) {
  bool ready_now = false;
  want = t.sample(d, r, w, want, ready_now);
  if (ready_now) m.tls_ready.push_back(i);
  return want;
}

}  // namespace

// Adds the read events of the TLS channels that hold plaintext. Reached
// through map_state::merge_tls, which the TLS layer sets (so a build or a
// firmware without TLS does not link it).
void detail::merge_tls_ready(map_state& m, detail::flat_vector<detail::ready_event>& ready) {
  for (const std::uint32_t i : m.tls_ready) {
    bool found = false;
    for (detail::ready_event& e : ready) {
      if (e.slot == i) {
        e.events |= pollin;
        found = true;
        break;
      }
    }
    if (!found) ready.push_back(detail::ready_event{i, pollin});
  }
  m.tls_ready.clear();
}

namespace {

// The backend cannot watch this handle (select's FD_SETSIZE, a failed epoll
// registration): the channel gets handle_error with the backend's reason.
ASYNCORE_NOINLINE void report_unwatchable(dispatcher& d, const std::error_code& code) {
  guarded(d, [&] { d.handle_error(error_cause{code, nullptr, error_text(code)}); });
}

std::int64_t to_us(double seconds) {
  if (std::isnan(seconds)) return 0;
  if (seconds < 0) return -1;
  const double us = seconds * 1e6;
  if (us > 4.0e18) return -1;  // longer than anyone waits: no limit
  // Rounded up (std::ceil, without the call: every loop() converts).
  const std::int64_t whole = static_cast<std::int64_t>(us);
  return whole + (static_cast<double>(whole) < us ? 1 : 0);
}

// One iteration of a map that has work (see poll_once_us); `ec` is clear.
void iterate(map_state& m, std::int64_t timeout_us, backend b, std::error_code& ec) {
  detail::poller* p = m.poller_for(b, ec);
  if (!p) return;

  depth_guard guard(m);
  // Timers made from here on (by callbacks and handlers) run in a later
  // iteration: a timer that re-arms itself runs once per iteration.
  const std::uint64_t start_seq = m.timers.next_seq();
  if (const detail::post_service* ps = detail::post_ops.load(std::memory_order_relaxed)) {
    // Tested here, not behind the calls: this runs every iteration.
    if (!m.waker && !m.waker_failed) ps->prepare(m);  // the wake-up channel, before the first wait
    if (m.posts.pending.load(std::memory_order_acquire)) ps->run(m);  // what was posted before this iteration
  }
  if (!m.has_work()) return;  // that was all: nothing to wait for
  const std::size_t n = m.slots.size();
  std::int64_t now = 0;
  std::int64_t wake_us = -1;  // earliest end of an accept pause

  // Sample the predicates (in registration order within each list): every
  // channel without stable predicates, and the stable ones that are new,
  // were dispatched in the previous iteration, or called interest_changed().
  // The other stable channels keep the interest sampled last time.
  detail::flat_vector<std::uint32_t>& sampled = m.sampled;
  sampled.clear();
  sampled.swap(m.dirty);  // what gets dirty from here on is for the next iteration
  const std::size_t dirty_count = sampled.size();
  m.tls_ready.clear();
  {
    // Drop stale entries of the always list (closed, or turned stable) as we go.
    detail::flat_vector<std::uint32_t>& always = m.always;
    std::size_t w = 0;
    for (std::size_t k = 0; k < always.size(); ++k) {
      const std::uint32_t i = always[k];
      if (i >= n) {
        always[w++] = i;  // a channel added at depth > 0: sampled once it is < n
        continue;
      }
      detail::slot& s = m.slots[i];
      if (!s.d || (s.state & detail::slot_stable)) {
        s.state &= static_cast<std::uint8_t>(~detail::slot_always);
        continue;
      }
      always[w++] = i;
      sampled.push_back(i);
    }
    always.resize(w);
  }
  for (std::size_t k = 0; k < sampled.size(); ++k) {
    const std::uint32_t i = sampled[k];
    if (k < dirty_count && i < m.slots.size()) {
      detail::slot& ds = m.slots[i];
      ds.state &= static_cast<std::uint8_t>(~detail::slot_dirty);
      // No longer stable: it is on the always list, sampled there (once).
      if (!(ds.state & detail::slot_stable)) continue;
    }
    if (i >= n) {
      m.mark_dirty(i);  // joined during this iteration: sampled in the next
      continue;
    }
    dispatcher* d = m.slots[i].d;
    if (!d) continue;
    bool r = false, w = false;
    if (!guarded(*d, [&] {
          r = d->readable();
          w = d->writable();
        })) {
      m.mark_dirty(i);  // try again next iteration
      continue;
    }
    // The predicates may have closed channels or added new ones (which
    // get no events this iteration): look the slot up again.
    detail::slot& s = m.slots[i];
    if (s.d != d) continue;
    unsigned want = 0;
    if (r) want |= pollin | pollpri;
    if (w && !d->accepting) want |= pollout;
    if (detail::tls_transport* t = core::tls(*d)) want = sample_tls(m, *t, *d, i, r, w, want);
    if ((want & pollin) && d->accepting && core::accept_paused_until(*d) != 0) {
      want = apply_accept_pause(m, *d, i, want, now, wake_us);
    }
    m.set_want(s, static_cast<std::uint8_t>(want));
  }
  const std::size_t interested = m.wanting;

  std::int64_t wait_us = timeout_us;
  if (wake_us >= 0 && (wait_us < 0 || wake_us < wait_us)) wait_us = wake_us;
  if (!m.timers.empty()) {
    // The next deadline bounds the wait (the backends round it up to their
    // resolution, so a timer is never waited for in a busy spin).
    std::int64_t until = m.timers.top_when() - m.now();
    if (until < 0) until = 0;
    if (wait_us < 0 || until < wait_us) wait_us = until;
  }
  if (m.exit_requested.load(std::memory_order_acquire) || m.posts.pending.load(std::memory_order_acquire))
    wait_us = 0;
  if (!m.tls_ready.empty()) wait_us = 0;  // TLS plaintext held: served now

  if (interested == 0) {
    // Python sleeps the timeout here; so do we, on every platform (Winsock's
    // select would fail on empty sets). The interest sampled in this
    // iteration reaches no backend: counting the iteration makes the next
    // wait of a persistent backend (poll's array, epoll) look at every slot
    // (found by the registry fuzzer: a stable channel's dropped interest was
    // never passed on, and it got handle_write after writable() said no).
    ++m.iteration;
    if (wait_us != 0) pf::sleep_us(wait_us);
    if (m.timer_ops) m.timer_ops->run(m, start_seq);
    return;
  }

  // A nested iteration (a handler polling the map) gets its own list.
  std::optional<detail::flat_vector<detail::ready_event>> local;
  detail::flat_vector<detail::ready_event>& ready = m.depth == 1 ? m.ready : local.emplace();
  ready.clear();
  const std::int64_t start = wait_us > 0 ? pf::monotonic_us() : 0;
  std::int64_t left = wait_us;
  p->changed(sampled, ++m.iteration);
  for (;;) {
    p->wait(m.slots, n, left, ready, ec);
    if (!ec || ec != std::errc::interrupted) break;
    // A signal: resume with the time left (PEP 475's behaviour), unless its
    // handler asked the loop to exit (request_exit is async-signal-safe).
    ec.clear();
    ready.clear();
    if (m.exit_requested.load(std::memory_order_acquire)) break;
    if (wait_us > 0) {
      left = wait_us - (pf::monotonic_us() - start);
      if (left < 0) left = 0;
    }
  }
  if (ec) return;
  if (!m.tls_ready.empty()) m.merge_tls(m, ready);

  for (std::size_t k = 0; k < ready.size(); ++k) {
    const detail::ready_event e = ready[k];
    if (e.slot >= m.slots.size()) continue;
    const detail::slot& s = m.slots[e.slot];
    dispatcher* d = s.d;
    if (!d) continue;  // closed earlier in this iteration
    // A handler runs: its predicates may change, so they are sampled again
    // before the next wait; a channel with announced predicates says so
    // itself (interest_changed()). TLS channels are sampled again always
    // (the engine's wants change with the handshake), and so is a channel
    // the backend could not watch (sampling is what retries the watch).
    if (!core::announced(*d) || core::tls(*d) || (e.events & detail::ev_unwatchable)) m.mark_dirty(e.slot);
    if (e.events & detail::ev_unwatchable) {
      report_unwatchable(*d, p->unwatchable_reason(e.slot));
      continue;
    }
    unsigned ev = e.events & (pollin | pollout | pollpri | pollhup | pollerr | pollnval);
    if (ev & (pollhup | pollerr)) {
      if (d->connecting) {
        ev = (ev & ~static_cast<unsigned>(pollhup | pollerr)) | pollout;
      } else if (s.want & pollin) {
        ev = (ev & ~static_cast<unsigned>(pollhup | pollerr)) | pollin;
      }
    }
    if (detail::fast_paths && (ev == pollin || ev == pollout) && !core::tls(*d)) {
      // The per-message case: one event, no TLS. dispatch() would make the
      // same single call; nothing follows it to check the channel for.
      if (ev == pollin) {
        guarded(*d, [&] { d->handle_read_event(); });
      } else {
        guarded(*d, [&] { d->handle_write_event(); });
      }
    } else {
      dispatch(*d, ev, &m, e.slot);
    }
    if (m.exit_requested.load(std::memory_order_relaxed)) return;
  }
  if (m.timer_ops) m.timer_ops->run(m, start_seq);
}

void poll_once_us(map_state& m, std::int64_t timeout_us, backend b, std::error_code& ec) {
  // Not a plain clear() on the paths run per iteration or per message: it
  // calls std::system_category() out of line, and the code is clear already.
  if (ec) ec.clear();
  m.collect();
  if (m.has_work()) iterate(m, timeout_us, b, ec);  // else Python returns at once, without sleeping
}

}  // namespace

// -- timers and posted calls (src/timers.hpp; reached through map_state's
// timer_ops and post_ops, so linked only where they are used) ---------------------

void detail::run_callback(map_state& m, dispatcher* owner, detail::task& fn) {
  if (owner) {
    guarded(*owner, [&] { fn(); });
    return;
  }
#if ASYNCORE_HAS_EXCEPTIONS
  try {
    fn();
  } catch (...) {
    const error_cause cause = current_cause();  // exit_now leaves the loop
    if (m.error_handler) {
      m.error_handler(m.error_context, cause);
    } else {
      write_log(log_stream::log, "log: uncaptured error in a loop callback (" + cause.what + ")");
    }
  }
#else
  (void)m;
  fn();
#endif
}

void detail::run_timers(map_state& m, std::uint64_t start_seq) {
  if (m.timers.empty()) return;
  const std::int64_t now = m.now();
  while (detail::timer_node* n = m.timers.top()) {
    const std::int64_t when = m.timers.top_when();
    const std::uint64_t seq = m.timers.top_seq();
    if (when > now || seq >= start_seq) break;
    m.timers.pop();
    if (n->every) {
      // No drift: the next deadline is on the period's grid; a late loop
      // runs the call once, not once per missed period. It keeps its
      // sequence number: ties still run in the order the timers were made.
      std::int64_t next = when + n->interval;
      if (next <= now) next += ((now - next) / n->interval + 1) * n->interval;
      m.timers.push(n, next, seq);  // the heap just shrank: no allocation
    }
    struct finish {
      detail::timer_node* n;
      ~finish() { detail::retire_node(n); }
    } done{n};
    n->running = true;
    detail::run_callback(m, n->owner, n->fn);
  }
}

void detail::run_posted(map_state& m) {
  detail::post_queue& q = m.posts;
  if (!q.pending.load(std::memory_order_acquire)) return;
  // Take what was posted so far; calls posted from here on (also by these
  // calls) run at the next iteration. A call nested in one of these (a
  // nested poll) takes its own batch.
  detail::post_block* batch;
  {
    const detail::post_queue::guard lock(q);
    batch = q.head;
    q.head = q.tail = nullptr;
    q.pending.store(false, std::memory_order_release);
  }
  struct finish {
    detail::post_queue& q;
    detail::post_block* rest;  // the blocks not run yet (from the current one)
    ~finish() {
      if (!rest) return;
      // exit_now left in the middle: the calls not run go back to the
      // front of the queue (run ones are empty and skipped), first next time.
      detail::post_block* last = rest;
      while (last->next) last = last->next;
      const detail::post_queue::guard lock(q);
      last->next = q.head;
      if (!q.head) q.tail = last;
      q.head = rest;
      q.pending.store(true, std::memory_order_release);
    }
  } done{q, batch};
  while (detail::post_block* b = done.rest) {
    for (std::size_t i = 0; i < b->count; ++i) {
      detail::task& fn = b->items[i];
      if (!fn) continue;
      detail::task call = std::move(fn);  // the slot is empty before the call runs
      detail::run_callback(m, nullptr, call);
    }
    done.rest = b->next;
    b->count = 0;
    b->next = nullptr;
    // Keep a few emptied blocks for the next posts; free the rest.
    bool kept = false;
    {
      const detail::post_queue::guard lock(q);
      if (q.spare_count < 4) {
        b->next = q.spare;
        q.spare = b;
        ++q.spare_count;
        kept = true;
      }
    }
    if (!kept) delete b;
  }
}

namespace {

#if !ASYNCORE_HAS_EXCEPTIONS
void report_loop_error(const std::error_code& ec) {
  write_log(log_stream::log, "log: asyncore loop stopped: " + error_text(ec));
}
#endif

// The overloads without an error_code: a backend failure throws, or, without
// exceptions, is logged (the loop has stopped).
void raise_loop_error(const std::error_code& ec, const char* what) {
#if ASYNCORE_HAS_EXCEPTIONS
  detail::throw_if(ec, what);
#else
  (void)what;
  if (ec) report_loop_error(ec);
#endif
}

}  // namespace

void poll_once(double timeout, backend b, socket_map* map, std::error_code& ec) {
  poll_once_us(core::state(map ? *map : default_map()), to_us(timeout), b, ec);
}

void poll(double timeout, socket_map* map) {
  std::error_code ec;
  poll_once(timeout, backend::select, map, ec);
  raise_loop_error(ec, "poll");
}

void poll2(double timeout, socket_map* map) {
  std::error_code ec;
  poll_once(timeout, backend::poll, map, ec);
  raise_loop_error(ec, "poll2");
}

void loop(double timeout, backend b, socket_map* map, std::optional<long> count, std::error_code& ec) {
  if (ec) ec.clear();  // see poll_once_us
  map_state& m = core::state(map ? *map : default_map());
  const std::int64_t us = to_us(timeout);
  long left = count ? *count : 1;
  // An exit requested while no loop ran (from another thread) ends this one
  // after its first iteration: a request is never lost.
  while (left > 0) {
    m.collect();  // poll_once_us's start, without testing ec again
    if (!m.has_work()) break;
    iterate(m, us, b, ec);
    if (ec) break;
    // A plain load first: the exchange (a locked instruction) only when set.
    if (m.exit_requested.load(std::memory_order_relaxed) && m.exit_requested.exchange(false, std::memory_order_acq_rel))
      break;
    if (count) --left;
  }
  m.collect();
}

void loop(double timeout, backend b, socket_map* map, std::optional<long> count) {
  std::error_code ec;
  loop(timeout, b, map, count, ec);
  raise_loop_error(ec, "loop");
}

void loop(double timeout, bool use_poll, socket_map* map, std::optional<long> count) {
  loop(timeout, use_poll && has_backend(backend::poll) ? backend::poll : backend::select, map, count);
}

bool has_backend(backend b) noexcept { return pf::has_backend(b); }

const char* backend_name(backend b) noexcept {
  switch (b) {
    case backend::select:
      return "select";
    case backend::poll:
      return "poll";
    case backend::epoll:
      return "epoll";
  }
  return "unknown";
}

void readwrite(dispatcher& obj, unsigned flags) {
  obj.interest_changed();
  dispatch(obj, flags, nullptr, 0);
}
void read(dispatcher& obj) {
  obj.interest_changed();
  guarded(obj, [&] { obj.handle_read_event(); });
}
void write(dispatcher& obj) {
  obj.interest_changed();
  guarded(obj, [&] { obj.handle_write_event(); });
}
void expt(dispatcher& obj) {
  obj.interest_changed();
  guarded(obj, [&] { obj.handle_expt_event(); });
}

void close_all(socket_map* map, bool ignore_all) {
  map_state& m = core::state(map ? *map : default_map());
#if ASYNCORE_HAS_EXCEPTIONS
  std::exception_ptr first;
#else
  (void)ignore_all;
#endif
  {
    // Walk the slots (not a snapshot of pointers): a close() that destroys
    // another channel empties that channel's slot, so it is never reached.
    depth_guard guard(m);
    for (std::size_t i = 0; i < m.slots.size(); ++i) {
      dispatcher* d = m.slots[i].d;
      // The map's own wake-up channel is not the application's: it stays
      // (other threads may be signalling it right now).
      if (!d || (m.slots[i].state & detail::slot_hidden)) continue;
#if ASYNCORE_HAS_EXCEPTIONS
      try {
        d->close();
      } catch (const exit_now&) {
        if (!first) first = std::current_exception();
      } catch (const std::system_error& e) {
        if (e.code() != std::errc::bad_file_descriptor && !ignore_all && !first) first = std::current_exception();
      } catch (...) {
        if (!ignore_all && !first) first = std::current_exception();
      }
#else
      d->close();
#endif
      // Python's map.clear(): also channels whose close() did not unregister,
      // and even when a close() failed (Python skips the clear then).
      if (m.slots[i].d == d) d->del_channel();
    }
  }
#if ASYNCORE_HAS_EXCEPTIONS
  if (first) std::rethrow_exception(first);
#endif
}

const capabilities& platform_capabilities() noexcept { return pf::caps(); }

}  // namespace asyncore
