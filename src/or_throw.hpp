// SPDX-License-Identifier: MIT
// asyncore for C++ (internal): the throwing overloads, written once.
//
// Every operation has a non-throwing overload taking `std::error_code&`; its
// throwing twin (only with exceptions) calls it and throws std::system_error
// when it failed:
//
//     address socket::getsockname() const {
//       return detail::or_throw("getsockname", [&](std::error_code& ec) { return getsockname(ec); });
//     }
//
// or_throw(what, f) calls f(ec) with a fresh error code, throws through
// detail::throw_if(ec, what) if it is set, and otherwise returns f's result
// (f may return void). Without exceptions (-fno-exceptions) the throwing
// overloads do not exist and neither does or_throw: this header still
// compiles, and callers use it only under `#if ASYNCORE_HAS_EXCEPTIONS`.
#ifndef ASYNCORE_SRC_OR_THROW_HPP
#define ASYNCORE_SRC_OR_THROW_HPP

#include <asyncore/config.hpp>
#include <asyncore/error.hpp>

#include <system_error>
#include <type_traits>
#include <utility>

namespace asyncore {
namespace detail {

#if ASYNCORE_HAS_EXCEPTIONS
template <class F>
auto or_throw(const char* what, F&& f) -> std::invoke_result_t<F&, std::error_code&> {
  std::error_code ec;
  if constexpr (std::is_void_v<std::invoke_result_t<F&, std::error_code&>>) {
    f(ec);
    throw_if(ec, what);
  } else {
    decltype(auto) result = f(ec);
    throw_if(ec, what);
    return result;
  }
}
#endif

}  // namespace detail
}  // namespace asyncore

#endif  // ASYNCORE_SRC_OR_THROW_HPP
