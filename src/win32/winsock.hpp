// SPDX-License-Identifier: MIT
// asyncore for C++ (internal, Windows): what the src/win32 files share.
//
// This is the only header of the library that includes <winsock2.h>; it is
// included by src/win32/*.cpp only, never by common code or public headers.
//
// Handles: asyncore::native_handle_type is std::intptr_t. A SOCKET is a
// UINT_PTR of the same width, so the conversion is a plain two's-complement
// reinterpretation and loses nothing; INVALID_SOCKET (~0) becomes
// invalid_handle (-1) and back.
#ifndef ASYNCORE_SRC_WIN32_WINSOCK_HPP
#define ASYNCORE_SRC_WIN32_WINSOCK_HPP

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
// WSAPoll and WSAPOLLFD need Vista (0x0600) or later; MinGW-w64 and current
// Windows SDKs default to Windows 10 (0x0A00).
#if defined(_WIN32_WINNT) && _WIN32_WINNT < 0x0600
#error "asyncore's Winsock layer needs _WIN32_WINNT >= 0x0600 (Windows Vista) for WSAPoll"
#endif

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <asyncore/address.hpp>
#include <asyncore/socket.hpp>

#include <cstdint>
#include <string_view>
#include <system_error>
#include <type_traits>

// Not every SDK declares these (MinGW-w64 lacks SIO_UDP_NETRESET; old SDKs
// lack WSA_FLAG_NO_HANDLE_INHERIT). Values from Microsoft's mstcpip.h /
// winsock2.h documentation.
#ifndef SIO_UDP_CONNRESET
#define SIO_UDP_CONNRESET _WSAIOW(IOC_VENDOR, 12)
#endif
#ifndef SIO_UDP_NETRESET
#define SIO_UDP_NETRESET _WSAIOW(IOC_VENDOR, 15)
#endif
#ifndef WSA_FLAG_NO_HANDLE_INHERIT
#define WSA_FLAG_NO_HANDLE_INHERIT 0x80
#endif
#ifndef SIO_TCP_INITIAL_RTO
#define SIO_TCP_INITIAL_RTO _WSAIOW(IOC_VENDOR, 17)
#endif

namespace asyncore {
namespace detail {
namespace win32 {

static_assert(sizeof(SOCKET) == sizeof(native_handle_type),
              "SOCKET and native_handle_type must have the same width");
static_assert(std::is_unsigned<SOCKET>::value, "SOCKET is an unsigned handle");

inline SOCKET to_socket(native_handle_type h) noexcept { return static_cast<SOCKET>(h); }
inline native_handle_type from_socket(SOCKET s) noexcept {
  return s == INVALID_SOCKET ? invalid_handle : static_cast<native_handle_type>(s);
}

// -- errors (error.cpp: the one place WSAGetLastError() codes are translated) --
/// A Winsock / Win32 error code as a portable std::error_code.
std::error_code translate(int code) noexcept;
/// The same, for the result of connect(): the codes Winsock uses for a
/// non-blocking connect under way become std::errc::operation_in_progress.
std::error_code translate_connect(int code) noexcept;
/// translate(WSAGetLastError()).
std::error_code last_error() noexcept;

// -- start-up and the per-socket record (runtime.cpp) -------------------------
/// Starts Winsock 2.2 once per process (thread-safe, on first use); returns
/// the WSAStartup error if it failed.
std::error_code ensure_started() noexcept;

/// The library keeps a small record per socket it created, accepted or was
/// asked to change the blocking mode of: Winsock cannot report FIONBIO, and
/// the select backend must not lose the SO_ERROR value it reads to tell a
/// failed connect from out-of-band data.
void note_open(SOCKET s, bool blocking) noexcept;
void note_closed(SOCKET s) noexcept;
void note_blocking(SOCKET s, bool blocking) noexcept;
/// The recorded mode; a socket the library never saw has Winsock's default
/// mode, blocking.
bool recorded_blocking(SOCKET s) noexcept;
/// Keeps an SO_ERROR value that a poller read (and so cleared) until
/// pending_error() asks for it.
void stash_error(SOCKET s, int code) noexcept;
/// Takes the stashed value (0 when none).
int take_stashed_error(SOCKET s) noexcept;

/// Reads (and so clears) SO_ERROR: the native code, 0 when there is none or
/// when it cannot be read (the handle is not a socket).
int read_so_error(SOCKET s) noexcept;

// -- addresses (sockaddr.cpp) ------------------------------------------------
/// Fills `ss`/`len` from a neutral address. AF_UNIX and empty addresses are
/// rejected (errc::invalid_address / address_family_not_supported).
bool to_native(const address& a, sockaddr_storage& ss, int& len, std::error_code& ec) noexcept;
/// A neutral address from a native one (empty for unknown families).
address from_native(const sockaddr* sa, int len) noexcept;
/// AF_INET / AF_INET6 for family::inet / inet6, 0 otherwise.
int native_family(family f) noexcept;
bool is_localhost(std::string_view host) noexcept;  // RFC 6761 localhost names (sockaddr.cpp)

// -- time (clock.cpp) ----------------------------------------------------------
/// Sleeps at least `us` microseconds, rounded up to a millisecond (us < 0:
/// forever).
void sleep_rounded_up(std::int64_t us) noexcept;

}  // namespace win32
}  // namespace detail
}  // namespace asyncore

#endif  // ASYNCORE_SRC_WIN32_WINSOCK_HPP
