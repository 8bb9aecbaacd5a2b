// SPDX-License-Identifier: MIT
// asyncore for C++ (Windows): WSAGetLastError() codes as portable errors.
//
// This is the one place where Winsock's error numbers are translated. Every
// code with a POSIX counterpart becomes that std::errc value in
// std::generic_category(), so common code and applications compare against
// the same conditions on every platform (std::errc::connection_reset, not
// WSAECONNRESET). Codes without a counterpart stay in std::system_category()
// with their native value, so nothing is lost and message() still reads
// Windows' own text.
//
// Choices worth knowing:
//  - WSAESHUTDOWN ("cannot send after socket shutdown") -> broken_pipe: it is
//    what POSIX send() reports after shutdown(SHUT_WR) (EPIPE); both are in
//    the "disconnected" class that gives handle_close.
//  - WSAEALREADY outside connect -> connection_already_in_progress (EALREADY).
//  - On connect, WSAEWOULDBLOCK (what Windows really returns for a
//    non-blocking connect), WSAEINPROGRESS, WSAEALREADY and WSAEINVAL all mean
//    "under way": Microsoft's connect() documentation asks applications to
//    treat WSAEINVAL and WSAEWOULDBLOCK like WSAEALREADY while a connect is
//    pending (https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-connect),
//    and CPython's asyncore does the same on 'nt'.
//  - WSAEHOSTDOWN -> host_unreachable (POSIX EHOSTDOWN has no std::errc).
#include "../platform.hpp"
#include "winsock.hpp"

namespace asyncore {
namespace detail {
namespace win32 {

std::error_code translate(int code) noexcept {
  using std::errc;
  errc e = errc::invalid_argument;
  switch (code) {
    case 0: return {};
    case WSAEINTR: e = errc::interrupted; break;
    case WSAEBADF: e = errc::bad_file_descriptor; break;
    case WSAEACCES: e = errc::permission_denied; break;
    case WSAEFAULT: e = errc::bad_address; break;
    case WSAEINVAL: e = errc::invalid_argument; break;
    case WSAEMFILE: e = errc::too_many_files_open; break;
    case WSAEWOULDBLOCK: e = errc::operation_would_block; break;
    case WSAEINPROGRESS: e = errc::operation_in_progress; break;
    case WSAEALREADY: e = errc::connection_already_in_progress; break;
    case WSAENOTSOCK: e = errc::not_a_socket; break;
    case WSAEDESTADDRREQ: e = errc::destination_address_required; break;
    case WSAEMSGSIZE: e = errc::message_size; break;
    case WSAEPROTOTYPE: e = errc::wrong_protocol_type; break;
    case WSAENOPROTOOPT: e = errc::no_protocol_option; break;
    case WSAEPROTONOSUPPORT: e = errc::protocol_not_supported; break;
    case WSAESOCKTNOSUPPORT: e = errc::not_supported; break;
    case WSAEOPNOTSUPP: e = errc::operation_not_supported; break;
    case WSAEPFNOSUPPORT: e = errc::address_family_not_supported; break;
    case WSAEAFNOSUPPORT: e = errc::address_family_not_supported; break;
    case WSAEADDRINUSE: e = errc::address_in_use; break;
    case WSAEADDRNOTAVAIL: e = errc::address_not_available; break;
    case WSAENETDOWN: e = errc::network_down; break;
    case WSAENETUNREACH: e = errc::network_unreachable; break;
    case WSAENETRESET: e = errc::network_reset; break;
    case WSAECONNABORTED: e = errc::connection_aborted; break;
    case WSAECONNRESET: e = errc::connection_reset; break;
    case WSAENOBUFS: e = errc::no_buffer_space; break;
    case WSAEISCONN: e = errc::already_connected; break;
    case WSAENOTCONN: e = errc::not_connected; break;
    case WSAESHUTDOWN: e = errc::broken_pipe; break;
    case WSAETIMEDOUT: e = errc::timed_out; break;
    case WSAECONNREFUSED: e = errc::connection_refused; break;
    case WSAELOOP: e = errc::too_many_symbolic_link_levels; break;
    case WSAENAMETOOLONG: e = errc::filename_too_long; break;
    case WSAEHOSTDOWN: e = errc::host_unreachable; break;
    case WSAEHOSTUNREACH: e = errc::host_unreachable; break;
    case WSAENOTEMPTY: e = errc::directory_not_empty; break;
    case WSAECANCELLED: e = errc::operation_canceled; break;
    // Win32 codes that Winsock functions also return (WSA_INVALID_HANDLE ...).
    case ERROR_INVALID_HANDLE: e = errc::bad_file_descriptor; break;
    case ERROR_NOT_ENOUGH_MEMORY: e = errc::not_enough_memory; break;
    case ERROR_OUTOFMEMORY: e = errc::not_enough_memory; break;
    case ERROR_INVALID_PARAMETER: e = errc::invalid_argument; break;
    case ERROR_OPERATION_ABORTED: e = errc::operation_canceled; break;
    default: return std::error_code(code, std::system_category());
  }
  return std::make_error_code(e);
}

std::error_code translate_connect(int code) noexcept {
  switch (code) {
    case WSAEWOULDBLOCK:
    case WSAEINPROGRESS:
    case WSAEALREADY:
    case WSAEINVAL:
      return std::make_error_code(std::errc::operation_in_progress);
    default:
      return translate(code);
  }
}

std::error_code last_error() noexcept { return translate(::WSAGetLastError()); }

}  // namespace win32

namespace platform {

// MinGW's strerror knows only the C library's classic errno values: for the
// network ones it says "Unknown error". These are the texts glibc gives, so
// a Windows user reads what a Linux user reads.
std::string describe(const std::error_code& ec) {
  if (ec.category() == std::generic_category()) {
    using std::errc;
    const char* text = nullptr;
    switch (static_cast<errc>(ec.value())) {
      case errc::operation_would_block: text = "Resource temporarily unavailable"; break;
      case errc::operation_in_progress: text = "Operation now in progress"; break;
      case errc::connection_already_in_progress: text = "Operation already in progress"; break;
      case errc::not_a_socket: text = "Socket operation on non-socket"; break;
      case errc::destination_address_required: text = "Destination address required"; break;
      case errc::message_size: text = "Message too long"; break;
      case errc::wrong_protocol_type: text = "Protocol wrong type for socket"; break;
      case errc::no_protocol_option: text = "Protocol not available"; break;
      case errc::protocol_not_supported: text = "Protocol not supported"; break;
      case errc::not_supported: text = "Operation not supported"; break;
      case errc::address_family_not_supported: text = "Address family not supported by protocol"; break;
      case errc::address_in_use: text = "Address already in use"; break;
      case errc::address_not_available: text = "Cannot assign requested address"; break;
      case errc::network_down: text = "Network is down"; break;
      case errc::network_unreachable: text = "Network is unreachable"; break;
      case errc::network_reset: text = "Network dropped connection on reset"; break;
      case errc::connection_aborted: text = "Software caused connection abort"; break;
      case errc::connection_reset: text = "Connection reset by peer"; break;
      case errc::no_buffer_space: text = "No buffer space available"; break;
      case errc::already_connected: text = "Transport endpoint is already connected"; break;
      case errc::not_connected: text = "Transport endpoint is not connected"; break;
      case errc::timed_out: text = "Connection timed out"; break;
      case errc::connection_refused: text = "Connection refused"; break;
      case errc::host_unreachable: text = "No route to host"; break;
      case errc::operation_canceled: text = "Operation canceled"; break;
      case errc::too_many_symbolic_link_levels: text = "Too many levels of symbolic links"; break;
      default: break;
    }
    if (text) return text;
  }
  return ec.message();
}

}  // namespace platform
}  // namespace detail
}  // namespace asyncore
