// SPDX-License-Identifier: MIT
// asyncore for C++: resolve() and dispatcher::connect by name (see
// include/asyncore/resolve.hpp). The platform resolves (platform::resolve_async,
// from any thread); the answer reaches the loop through call_soon_threadsafe,
// and a timer bounds the wait. Both run in the loop's thread, so `finished`
// needs no lock.
#include <asyncore/dispatcher.hpp>
#include <asyncore/resolve.hpp>
#include <asyncore/timer.hpp>

#include "core.hpp"
#include "map_state.hpp"
#include "or_throw.hpp"
#include "platform.hpp"

#include <memory>
#include <string>
#include <utility>

namespace asyncore {

namespace {

struct resolve_request {
  socket_map* map;
  resolve_callback done;
  timer deadline;
  bool finished = false;
};

void finish(const std::shared_ptr<resolve_request>& r, const std::error_code& ec, const address& a) {
  if (r->finished) return;
  r->finished = true;
  r->deadline.cancel();
  resolve_callback done = std::move(r->done);
  if (done) done(ec, a);
}

}  // namespace

void resolve(std::string_view host, std::uint16_t port, resolve_callback done, socket_map* map, family f,
             double timeout) {
  auto r = std::make_shared<resolve_request>();
  r->map = map ? map : &default_map();
  r->done = std::move(done);
  r->deadline = call_later(
      timeout >= 0 ? timeout : 30.0,
      [r] { finish(r, std::make_error_code(std::errc::timed_out), address()); }, r->map);
  std::shared_ptr<detail::post_target> target = detail::core::state(*r->map).worker_target();
  detail::platform::resolve_async(std::string(host), port, f, [r, target](std::error_code ec, address a) {
    // Any thread. The map may be gone by now (the application stopped):
    // then the answer is dropped.
    socket_map* map = target->enter();
    if (!map) return;
    struct leave_after {
      detail::post_target& t;
      ~leave_after() { t.leave(); }
    } held{*target};
    std::error_code pec;  // posting fails only out of memory: the timeout then reports
    (void)call_soon_threadsafe([r, ec, a] { finish(r, ec, a); }, map, pec);
  });
}

void dispatcher::connect(std::string_view host, std::uint16_t port, std::error_code& ec) {
  ec.clear();
  if (host.empty()) {
    ec = make_error_code(errc::invalid_address);
    return;
  }
  connected = false;
  connecting = true;
  interest_changed();  // (announced predicates; so is each change below, made in a posted call)
  // The answer is for this channel only while it is still open and this is
  // its latest request: close() and the destructor drop the token.
  auto token = std::make_shared<int>(0);
  pending_resolve_ = token;
  std::weak_ptr<int> alive = token;
  const family f = socket_ ? socket_.get_family(ec) : family::unspec;
  ec.clear();
  resolve(
      host, port,
      [this, alive](const std::error_code& rec, const address& a) {
        if (alive.expired()) return;  // closed, destroyed, or asked again
        pending_resolve_.reset();
        if (rec) {
          connecting = false;
          interest_changed();
          handle_error(error_cause{rec, nullptr, "connect failed: " + error_text(rec)});
          return;
        }
        std::error_code cec;
        if (!socket_) create_socket(a.get_family(), socket_type::stream, cec);
        if (!cec) connect(a, cec);
        if (cec) {
          connecting = false;
          interest_changed();
          handle_error(error_cause{cec, nullptr, "connect failed: " + error_text(cec)});
        }
      },
      timer_map(), f);
}

#if ASYNCORE_HAS_EXCEPTIONS
void dispatcher::connect(std::string_view host, std::uint16_t port) {
  detail::or_throw("connect", [&](std::error_code& ec) { connect(host, port, ec); });
}
#endif

}  // namespace asyncore
