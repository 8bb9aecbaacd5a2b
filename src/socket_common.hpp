// SPDX-License-Identifier: MIT
// asyncore for C++ (internal): the socket logic every platform layer shares.
//
// The platform layers (src/posix, src/win32, src/lwip) differ in their
// system calls, not in what they do with them. What they would otherwise each
// write again lives here, parameterised by the platform's primitives, with no
// platform macro (ci/lint checks):
//  - the socket option table: which native (level, name) every
//    asyncore::sockopt is (option_table, filled by the platform with its own
//    constants), and the getsockopt/setsockopt flow on top of it, with
//    SO_LINGER's portable form (-1 off, otherwise seconds);
//  - socket_pair() as a TCP connection over loopback, for platforms without
//    socketpair() (Windows, lwIP), built from the platform interface's own
//    open/bind/listen/connect/accept.
#ifndef ASYNCORE_SRC_SOCKET_COMMON_HPP
#define ASYNCORE_SRC_SOCKET_COMMON_HPP

#include <asyncore/address.hpp>
#include <asyncore/socket.hpp>

#include <system_error>

namespace asyncore {
namespace detail {
namespace common {

using handle = native_handle_type;

// -- socket options ------------------------------------------------------------
/// One option's native level and name; `present` is false where the platform
/// (or its configuration) lacks it: using it gives errc::no_protocol_option.
struct native_option {
  int level;
  int name;
  bool present;
};
constexpr native_option option(int level, int name) noexcept { return {level, name, true}; }
constexpr native_option no_option() noexcept { return {0, 0, false}; }

/// The platform's native option for every asyncore::sockopt.
struct option_table {
  native_option reuse_addr;  ///< SO_REUSEADDR (Windows: SO_EXCLUSIVEADDRUSE)
  native_option error;       ///< SO_ERROR (read only)
  native_option type;        ///< SO_TYPE (read only)
  native_option keep_alive;
  native_option broadcast;
  native_option rcvbuf;
  native_option sndbuf;
  native_option tcp_nodelay;
  native_option v6only;
  native_option linger;
};

/// The entry for `opt`, or null when the platform does not have it.
const native_option* find_option(const option_table& t, sockopt opt) noexcept;

/// SO_LINGER, natively an (on, seconds) pair; portably one int: -1 when off,
/// the seconds otherwise (a negative value turns it off).
struct linger_setting {
  bool on;
  int seconds;
};
inline linger_setting linger_from_value(int value) noexcept { return {value >= 0, value >= 0 ? value : 0}; }
inline int linger_to_value(linger_setting l) noexcept { return l.on ? l.seconds : -1; }

/// getsockopt: looks the option up and reads it through the platform's raw
/// calls, `Raw` being a class with
///   static bool get_int(handle, const native_option&, int& value, std::error_code&) noexcept;
///   static bool get_linger(handle, const native_option&, linger_setting&, std::error_code&) noexcept;
/// (true on success; on failure they set the translated error). The result
/// is the native value: the platform turns sockopt::error / sockopt::type
/// into their portable meaning itself.
template <class Raw>
int get_option(const option_table& t, handle h, sockopt opt, std::error_code& ec) noexcept {
  ec.clear();
  const native_option* o = find_option(t, opt);
  if (o == nullptr) {
    ec = std::make_error_code(std::errc::no_protocol_option);
    return 0;
  }
  if (opt == sockopt::linger) {
    linger_setting l{false, 0};
    if (!Raw::get_linger(h, *o, l, ec)) return 0;
    return linger_to_value(l);
  }
  int v = 0;
  if (!Raw::get_int(h, *o, v, ec)) return 0;
  return v;
}

/// setsockopt: the same with
///   static bool set_int(handle, const native_option&, int value, std::error_code&) noexcept;
///   static bool set_linger(handle, const native_option&, linger_setting, std::error_code&) noexcept;
/// sockopt::error and sockopt::type are read-only (errc::no_protocol_option).
template <class Raw>
void set_option(const option_table& t, handle h, sockopt opt, int value, std::error_code& ec) noexcept {
  ec.clear();
  const native_option* o = find_option(t, opt);
  if (o == nullptr || opt == sockopt::error || opt == sockopt::type) {
    ec = std::make_error_code(std::errc::no_protocol_option);
    return;
  }
  if (opt == sockopt::linger) {
    Raw::set_linger(h, *o, linger_from_value(value), ec);
    return;
  }
  Raw::set_int(h, *o, value, ec);
}

// -- socket_pair over loopback ---------------------------------------------------
/// How a platform wants its loopback pair made.
struct loopback_pair_options {
  /// The listener gets set_reuse_addr() first (Windows: SO_EXCLUSIVEADDRUSE,
  /// so no other process can bind the port in between).
  bool exclusive_listener;
  /// Accept only our own client (the accepted peer's address must be the
  /// client's local address), turning away at most a few strangers.
  bool check_peer;
  /// TCP_NODELAY on both ends, so each write is passed on at once as over a
  /// socketpair (lwIP's delayed ACKs would otherwise hold small writes).
  bool no_delay;
};

/// A connected TCP pair over the loopback address of `f`, made with the
/// platform interface (src/platform.hpp): a listener on port 0, a blocking
/// connect (it completes in the listener's backlog, so the blocking accept
/// finds it at once), then both ends non-blocking. The listener is closed
/// before returning. out[0] is the connecting end, out[1] the accepted one.
/// On failure nothing stays open, out is untouched and `ec` says why.
bool loopback_socket_pair(family f, const loopback_pair_options& o, handle out[2], std::error_code& ec) noexcept;

}  // namespace common
}  // namespace detail
}  // namespace asyncore

#endif  // ASYNCORE_SRC_SOCKET_COMMON_HPP
