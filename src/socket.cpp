// SPDX-License-Identifier: MIT
// asyncore for C++: asyncore::socket, a thin owner over the platform layer.
#include <asyncore/socket.hpp>

#include "or_throw.hpp"
#include "platform.hpp"

namespace asyncore {

namespace pf = detail::platform;

socket& socket::operator=(socket&& other) noexcept {
  if (this != &other) {
    close();
    handle_ = other.release();
  }
  return *this;
}

socket::~socket() { close(); }

native_handle_type socket::open_native(family f, socket_type t, std::error_code& ec) noexcept {
  return pf::open(f, t, ec);
}

void detail::enable_datagrams() noexcept { pf::enable_datagrams(); }

void socket::close(std::error_code& ec) noexcept {
  ec.clear();
  if (handle_ == invalid_handle) return;
  native_handle_type h = handle_;
  handle_ = invalid_handle;  // closed even if close() reports an error
  pf::close(h, ec);
}

void socket::close() noexcept {
  std::error_code ignored;
  close(ignored);
}

void socket::bind(const address& a, std::error_code& ec) noexcept { pf::bind(handle_, a, ec); }
void socket::listen(int backlog, std::error_code& ec) noexcept { pf::listen(handle_, backlog, ec); }
void socket::connect(const address& a, std::error_code& ec) noexcept { pf::connect(handle_, a, ec); }

socket socket::accept(address* peer, std::error_code& ec) noexcept { return socket(pf::accept(handle_, peer, ec)); }

std::size_t socket::send(const void* data, std::size_t n, std::error_code& ec, send_flags flags) noexcept {
  return pf::send(handle_, data, n, flags == send_flags::oob, ec);
}
std::size_t socket::recv(void* buf, std::size_t n, std::error_code& ec) noexcept { return pf::recv(handle_, buf, n, ec); }
std::size_t socket::sendto(const void* data, std::size_t n, const address& to, std::error_code& ec) noexcept {
  return pf::sendto(handle_, data, n, to, ec);
}
std::size_t socket::recvfrom(void* buf, std::size_t n, address& from, std::error_code& ec) noexcept {
  return pf::recvfrom(handle_, buf, n, from, ec);
}
void socket::shutdown(shutdown_type how, std::error_code& ec) noexcept { pf::shutdown(handle_, how, ec); }
address socket::getsockname(std::error_code& ec) const { return pf::local_address(handle_, ec); }
address socket::getpeername(std::error_code& ec) const { return pf::peer_address(handle_, ec); }
int socket::getsockopt(sockopt opt, std::error_code& ec) const noexcept { return pf::getsockopt(handle_, opt, ec); }
void socket::setsockopt(sockopt opt, int value, std::error_code& ec) noexcept { pf::setsockopt(handle_, opt, value, ec); }
std::error_code socket::pending_error() const noexcept { return pf::pending_error(handle_); }
void socket::set_blocking(bool b, std::error_code& ec) noexcept { pf::set_blocking(handle_, b, ec); }
bool socket::blocking(std::error_code& ec) const noexcept { return pf::blocking(handle_, ec); }
bool socket::inheritable(std::error_code& ec) const noexcept { return pf::inheritable(handle_, ec); }
family socket::get_family(std::error_code& ec) const noexcept { return pf::get_family(handle_, ec); }
socket_type socket::get_type(std::error_code& ec) const noexcept { return pf::get_type(handle_, ec); }

#if ASYNCORE_HAS_EXCEPTIONS
using detail::or_throw;

socket socket::open(family f, socket_type t) {
  return or_throw("socket", [&](std::error_code& ec) { return open(f, t, ec); });
}
void socket::bind(const address& a) {
  or_throw("bind", [&](std::error_code& ec) { bind(a, ec); });
}
void socket::listen(int backlog) {
  or_throw("listen", [&](std::error_code& ec) { listen(backlog, ec); });
}
address socket::getsockname() const {
  return or_throw("getsockname", [&](std::error_code& ec) { return getsockname(ec); });
}
address socket::getpeername() const {
  return or_throw("getpeername", [&](std::error_code& ec) { return getpeername(ec); });
}
int socket::getsockopt(sockopt opt) const {
  return or_throw("getsockopt", [&](std::error_code& ec) { return getsockopt(opt, ec); });
}
void socket::setsockopt(sockopt opt, int value) {
  or_throw("setsockopt", [&](std::error_code& ec) { setsockopt(opt, value, ec); });
}
void socket::set_blocking(bool b) {
  or_throw("set_blocking", [&](std::error_code& ec) { set_blocking(b, ec); });
}
bool socket::blocking() const {
  return or_throw("blocking", [&](std::error_code& ec) { return blocking(ec); });
}
bool socket::inheritable() const {
  return or_throw("inheritable", [&](std::error_code& ec) { return inheritable(ec); });
}
#endif

bool socket_pair(socket& a, socket& b, std::error_code& ec) {
  native_handle_type h[2] = {invalid_handle, invalid_handle};
  pf::socket_pair(h, ec);
  if (ec) return false;
  a = socket(h[0]);
  b = socket(h[1]);
  return true;
}

}  // namespace asyncore
