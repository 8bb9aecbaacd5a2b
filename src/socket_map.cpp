// SPDX-License-Identifier: MIT
// asyncore for C++: the channel registry (see src/map_state.hpp).
#include <asyncore/dispatcher.hpp>
#include <asyncore/log.hpp>
#include <asyncore/socket_map.hpp>

#include "map_state.hpp"
#include "platform.hpp"

#include <algorithm>
#include <string>

namespace asyncore {

// -- the public face ----------------------------------------------------------------

socket_map::socket_map() : state_(new detail::map_state) { state_->owner = this; }

socket_map::~socket_map() {
  if (state_->target) {
    // From now on a worker's late answer (resolve) is dropped; one being
    // posted right now finishes first (it may be in its wake-up's system
    // call: waited for without spinning).
    detail::post_target& t = *state_->target;
    {
      const detail::post_target::guard lock(t);
      t.map = nullptr;
    }
    while (t.posting.load(std::memory_order_acquire) != 0) detail::platform::sleep_us(100);
  }
  state_->close_owned_all();
}

std::size_t socket_map::size() const noexcept { return state_->visible(); }

dispatcher* socket_map::find(native_handle_type h) const noexcept { return state_->find(h); }

std::vector<dispatcher*> socket_map::channels() const {
  std::vector<dispatcher*> out;
  out.reserve(state_->visible());
  for (const detail::slot& s : state_->slots)
    if (s.d && !(s.state & detail::slot_hidden)) out.push_back(s.d);
  return out;
}

socket_map& default_map() noexcept {
  // Never destroyed: channels with static storage may outlive any order of
  // static destruction, and the operating system reclaims the sockets.
  static socket_map* m = new socket_map;
  return *m;
}

namespace detail {

std::atomic<const post_service*> post_ops{nullptr};  // set by src/posting.cpp when it is linked in

map_state::~map_state() {
  waker.reset();
  if (timer_ops) timer_ops->destroy(*this);
  if (const post_service* ps = post_ops.load(std::memory_order_relaxed)) ps->destroy(posts);
}

const std::shared_ptr<post_target>& map_state::worker_target() {
  if (!target) {
    target = std::make_shared<post_target>();
    target->map = owner;
  }
  return target;
}

// -- the shared lock ------------------------------------------------------------------

std::uint32_t shared_lock::enter() noexcept {
  const std::uint32_t mask = platform::mask_interrupts();
  while (flag.test_and_set(std::memory_order_acquire)) {
  }
  return mask;
}

void shared_lock::leave(std::uint32_t mask) noexcept {
  flag.clear(std::memory_order_release);
  platform::restore_interrupts(mask);
}

dispatcher* map_state::find(native_handle_type h) const noexcept {
  const std::uint32_t i = slot_of(h);
  if (i == no_slot || (slots[i].state & slot_hidden)) return nullptr;
  return slots[i].d;
}

poller* map_state::make_poller(backend b, std::error_code& ec) {
  ec.clear();
  const std::size_t i = static_cast<std::size_t>(b);
  if (i >= backend_count) {
    ec = make_error_code(errc::backend_unavailable);
    return nullptr;
  }
  if (!pollers[i]) pollers[i] = platform::make_poller(b, ec);
  if (!pollers[i] && b == backend::epoll && ec != make_error_code(errc::backend_unavailable)) {
    // epoll exists but its descriptor could not be made (out of descriptors):
    // serve this map with poll, which needs none, instead of failing the loop.
#if ASYNCORE_SMALL
    write_log(log_stream::log, "log: asyncore: epoll unavailable; this map uses the poll backend");
#else
    write_log(log_stream::log, std::string("log: asyncore: epoll unavailable (") + error_text(ec) +
                                   "); this map uses the poll backend");
#endif
    std::error_code pec;
    poller* p = poller_for(backend::poll, pec);
    if (p) {
      serve_as[i] = static_cast<std::uint8_t>(backend::poll);
      ec.clear();
      return p;
    }
  }
  return pollers[i].get();
}

void map_state::list_slot(std::uint32_t i) noexcept {
  slot& s = slots[i];
  if (s.state & slot_stable) {
    if (!(s.state & slot_dirty)) {
      s.state |= slot_dirty;
      dirty.push_back(i);
    }
  } else if (!(s.state & slot_always)) {
    s.state |= slot_always;
    always.push_back(i);
  }
}

char* map_state::borrow_buffer(std::size_t n) {
  if (buffer_lent) return nullptr;
  if (buffer_size < n) {
    buffer.reset();  // free first: never hold both
    buffer.reset(new char[n]);
    buffer_size = n;
  }
  buffer_lent = true;
  return buffer.get();
}

void map_state::set_stable(dispatcher& d, bool on) noexcept {
  if (d.registered_in_ != owner) return;
  slot& s = slots[d.slot_];
  if (on) {
    s.state |= slot_stable;
  } else {
    s.state &= static_cast<std::uint8_t>(~slot_stable);
  }
  list_slot(d.slot_);
}

void map_state::add(dispatcher& d) {
  if (d.registered_in_) core::state(*d.registered_in_).remove(d);
  native_handle_type h = d.socket_.fileno();
  if (h == invalid_handle) return;
  const std::uint32_t same = slot_of(h);
  if (same != no_slot) {
    // Python's dict silently replaces the channel registered under the same
    // descriptor; the replaced one is no longer registered.
    dispatcher* old = slots[same].d;
    if (old) remove(*old);
  }
  if (depth == 0 && holes > slots.size() / 2) compact();
  const std::uint32_t i = static_cast<std::uint32_t>(slots.size());
  slots.push_back(slot{&d, h, 0, 0, static_cast<std::uint8_t>(d.stable_ ? slot_stable : 0)});
  list_slot(i);
  index_set(h, i);
  d.slot_ = i;
  d.registered_in_ = owner;
  d.fileno_ = h;
  ++live;
}

void map_state::remove(dispatcher& d) noexcept {
  if (d.registered_in_ != owner) return;
  const std::uint32_t i = d.slot_;
  const native_handle_type h = d.fileno_;
  slots[i].d = nullptr;
  set_want(slots[i], 0);
  if (slots[i].state & slot_hidden) {
    slots[i].state &= static_cast<std::uint8_t>(~slot_hidden);
    --hidden;
  }
  ++holes;
  index_erase(h, i);
  for (auto& p : pollers)
    if (p) p->forget(h);
  --live;
  d.slot_ = dispatcher::npos;
  d.registered_in_ = nullptr;
  d.fileno_ = invalid_handle;
  if (d.owned_ && !d.buried_in_) {
    d.buried_in_ = this;
    graveyard.push_back(&d);
  }
}

void map_state::adopt(dispatcher& d) {
  d.owned_ = true;
  if (!d.registered() && !d.buried_in_) {
    d.buried_in_ = this;
    graveyard.push_back(&d);
  }
}

void map_state::unbury(dispatcher& d) noexcept {
  // Nulled, not erased: collect_now may be walking the list right now.
  std::replace(graveyard.begin(), graveyard.end(), &d, static_cast<dispatcher*>(nullptr));
  d.buried_in_ = nullptr;
}

void map_state::compact() noexcept {
  if (depth != 0 || holes == 0) return;
  std::size_t w = 0;
  for (std::size_t r = 0; r < slots.size(); ++r) {
    if (!slots[r].d) continue;
    if (w != r) {
      slots[w] = slots[r];
      slots[w].d->slot_ = static_cast<std::uint32_t>(w);
      index_set(slots[w].handle, static_cast<std::uint32_t>(w));
    }
    ++w;
  }
  slots.resize(w);
  holes = 0;
  // Slot numbers changed: rebuild the sampling lists, and tell the backends
  // that index by slot.
  always.clear();
  dirty.clear();
  for (std::size_t i = 0; i < slots.size(); ++i) {
    slots[i].state &= static_cast<std::uint8_t>(~(slot_dirty | slot_always));
    list_slot(static_cast<std::uint32_t>(i));
  }
  for (auto& p : pollers)
    if (p) p->moved();
}

void map_state::collect_now() noexcept {
  if (depth != 0) return;
  // Compacting is O(slots): do it once holes are a quarter of the slots
  // (amortised O(1) per close), not after every close.
  if (holes * 4 > slots.size() || holes == live + holes) compact();
  // In the order they closed, one at a time, each taken off the list before
  // it is freed: its destructor may close or delete other owned channels,
  // which then join this same list or leave it (unbury nulls their entry),
  // never a copy of it, so nothing is freed twice.
  ++depth;  // a destructor's close()/del_channel() must not re-enter collect
  for (std::size_t i = 0; i < graveyard.size(); ++i) {
    dispatcher* d = graveyard[i];
    if (!d) continue;
    graveyard[i] = nullptr;
    d->buried_in_ = nullptr;
    // An owned channel may have come back to life (a client that
    // reconnects from handle_close); it stays until it closes again.
    if (d->registered()) continue;
    delete d;
  }
  graveyard.clear();
  --depth;
}

void map_state::close_owned_all() noexcept {
  ++depth;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    dispatcher* d = slots[i].d;
    if (!d) continue;
    if (d->owned_) {
#if ASYNCORE_HAS_EXCEPTIONS
      try {
        d->close();
      } catch (...) {
      }
#else
      d->close();
#endif
    }
    if (i < slots.size() && slots[i].d == d) remove(*d);
  }
  depth = 0;
  collect();
}

}  // namespace detail
}  // namespace asyncore
static_assert(asyncore::backend_count == 3, "map_state::serve_as lists every backend");
