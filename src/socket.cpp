// asyncore for C++: asyncore::socket, a thin owner over the platform layer.
#include <asyncore/socket.hpp>

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

socket socket::open(family f, socket_type t, std::error_code& ec) noexcept {
  return socket(pf::open(f, t, ec));
}

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
socket socket::open(family f, socket_type t) {
  std::error_code ec;
  socket s = open(f, t, ec);
  detail::throw_if(ec, "socket");
  return s;
}
void socket::bind(const address& a) {
  std::error_code ec;
  bind(a, ec);
  detail::throw_if(ec, "bind");
}
void socket::listen(int backlog) {
  std::error_code ec;
  listen(backlog, ec);
  detail::throw_if(ec, "listen");
}
address socket::getsockname() const {
  std::error_code ec;
  address a = getsockname(ec);
  detail::throw_if(ec, "getsockname");
  return a;
}
address socket::getpeername() const {
  std::error_code ec;
  address a = getpeername(ec);
  detail::throw_if(ec, "getpeername");
  return a;
}
int socket::getsockopt(sockopt opt) const {
  std::error_code ec;
  int v = getsockopt(opt, ec);
  detail::throw_if(ec, "getsockopt");
  return v;
}
void socket::setsockopt(sockopt opt, int value) {
  std::error_code ec;
  setsockopt(opt, value, ec);
  detail::throw_if(ec, "setsockopt");
}
void socket::set_blocking(bool b) {
  std::error_code ec;
  set_blocking(b, ec);
  detail::throw_if(ec, "set_blocking");
}
bool socket::blocking() const {
  std::error_code ec;
  bool b = blocking(ec);
  detail::throw_if(ec, "blocking");
  return b;
}
bool socket::inheritable() const {
  std::error_code ec;
  bool b = inheritable(ec);
  detail::throw_if(ec, "inheritable");
  return b;
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
