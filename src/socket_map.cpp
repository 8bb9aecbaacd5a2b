// asyncore for C++: the channel registry.
//
// Slots are append-only while an iteration runs (depth_ > 0): a channel that
// leaves nulls its slot, a channel that joins gets a new slot at the end.
// Events are looked up by slot, so they can never reach a channel that
// closed, nor a new channel that reused the descriptor. Holes are compacted
// and owned channels freed only at depth 0 (collect()).
#include <asyncore/dispatcher.hpp>
#include <asyncore/socket_map.hpp>

#include "platform.hpp"
#include "poller.hpp"

#include <algorithm>

namespace asyncore {

socket_map::socket_map() = default;

socket_map::~socket_map() {
  close_owned_all();
}

dispatcher* socket_map::find(native_handle_type h) const noexcept {
  auto it = index_.find(h);
  return it == index_.end() ? nullptr : slots_[it->second].d;
}

std::vector<dispatcher*> socket_map::channels() const {
  std::vector<dispatcher*> out;
  out.reserve(live_);
  for (const detail::slot& s : slots_)
    if (s.d) out.push_back(s.d);
  return out;
}

detail::poller* socket_map::make_poller(backend b, std::error_code& ec) {
  ec.clear();
  std::size_t i = static_cast<std::size_t>(b);
  if (i >= backend_count) {
    ec = make_error_code(errc::backend_unavailable);
    return nullptr;
  }
  if (!pollers_[i]) pollers_[i] = detail::platform::make_poller(b, ec);
  return pollers_[i].get();
}

void socket_map::list_slot(std::uint32_t i) noexcept {
  detail::slot& s = slots_[i];
  if (s.state & detail::slot_stable) {
    if (!(s.state & detail::slot_dirty)) {
      s.state |= detail::slot_dirty;
      dirty_.push_back(i);
    }
  } else if (!(s.state & detail::slot_always)) {
    s.state |= detail::slot_always;
    always_.push_back(i);
  }
}

char* socket_map::borrow_buffer(std::size_t n) {
  if (buffer_lent_) return nullptr;
  if (buffer_size_ < n) {
    buffer_.reset();  // free first: never hold both
    buffer_.reset(new char[n]);
    buffer_size_ = n;
  }
  buffer_lent_ = true;
  return buffer_.get();
}

void socket_map::set_stable(dispatcher& d, bool on) noexcept {
  if (d.registered_in_ != this) return;
  detail::slot& s = slots_[d.slot_];
  if (on) {
    s.state |= detail::slot_stable;
  } else {
    s.state &= static_cast<std::uint8_t>(~detail::slot_stable);
  }
  list_slot(d.slot_);
}

void socket_map::add(dispatcher& d) {
  if (d.registered_in_) d.registered_in_->remove(d);
  native_handle_type h = d.socket_.fileno();
  if (h == invalid_handle) return;
  auto it = index_.find(h);
  if (it != index_.end()) {
    // Python's dict silently replaces the channel registered under the same
    // descriptor; the replaced one is no longer registered.
    dispatcher* old = slots_[it->second].d;
    if (old) remove(*old);
  }
  if (depth_ == 0 && holes_ > slots_.size() / 2) compact();
  std::uint32_t slot = static_cast<std::uint32_t>(slots_.size());
  slots_.push_back(detail::slot{&d, h, 0, 0, static_cast<std::uint8_t>(d.stable_ ? detail::slot_stable : 0)});
  list_slot(slot);
  index_[h] = slot;
  d.slot_ = slot;
  d.registered_in_ = this;
  d.fileno_ = h;
  ++live_;
}

void socket_map::remove(dispatcher& d) noexcept {
  if (d.registered_in_ != this) return;
  std::uint32_t slot = d.slot_;
  native_handle_type h = d.fileno_;
  slots_[slot].d = nullptr;
  set_want(slots_[slot], 0);
  ++holes_;
  auto it = index_.find(h);
  if (it != index_.end() && it->second == slot) index_.erase(it);
  for (auto& p : pollers_)
    if (p) p->forget(h);
  --live_;
  d.slot_ = dispatcher::npos;
  d.registered_in_ = nullptr;
  d.fileno_ = invalid_handle;
  if (d.owned_ && !d.buried_in_) {
    d.buried_in_ = this;
    graveyard_.push_back(&d);
  }
}

void socket_map::adopt(dispatcher* d) {
  d->owned_ = true;
  if (!d->registered() && !d->buried_in_) {
    d->buried_in_ = this;
    graveyard_.push_back(d);
  }
}

void socket_map::compact() noexcept {
  if (depth_ != 0) return;
  if (holes_) {
    std::size_t w = 0;
    for (std::size_t r = 0; r < slots_.size(); ++r) {
      if (!slots_[r].d) continue;
      if (w != r) {
        slots_[w] = slots_[r];
        slots_[w].d->slot_ = static_cast<std::uint32_t>(w);
        index_[slots_[w].handle] = static_cast<std::uint32_t>(w);
      }
      ++w;
    }
    slots_.resize(w);
    holes_ = 0;
    // Slot numbers changed: rebuild the sampling lists, and tell the
    // backends that index by slot.
    always_.clear();
    dirty_.clear();
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      slots_[i].state &= static_cast<std::uint8_t>(~(detail::slot_dirty | detail::slot_always));
      list_slot(static_cast<std::uint32_t>(i));
    }
    for (auto& p : pollers_)
      if (p) p->moved();
  }
}

void socket_map::unbury(dispatcher* d) noexcept {
  graveyard_.erase(std::remove(graveyard_.begin(), graveyard_.end(), d), graveyard_.end());
  d->buried_in_ = nullptr;
}

void socket_map::collect_now() noexcept {
  if (depth_ != 0) return;
  // Compacting is O(slots): do it once holes are a quarter of the slots
  // (amortised O(1) per close), not after every close.
  if (holes_ * 4 > slots_.size() || holes_ == live_ + holes_) compact();
  while (!graveyard_.empty()) {
    std::vector<dispatcher*> dead;
    dead.swap(graveyard_);
    for (dispatcher* d : dead) {
      d->buried_in_ = nullptr;
      // An owned channel may have come back to life (a client that
      // reconnects from handle_close); it stays until it closes again.
      if (d->registered()) continue;
      delete d;  // its destructor may close other owned channels
    }
  }
}

void socket_map::close_owned_all() noexcept {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    dispatcher* d = slots_[i].d;
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
    if (slots_[i].d == d) remove(*d);
  }
  depth_ = 0;
  collect();
}

socket_map& default_map() noexcept {
  // Never destroyed: channels with static storage may outlive any order of
  // static destruction, and the operating system reclaims the sockets.
  static socket_map* m = new socket_map;
  return *m;
}

}  // namespace asyncore
