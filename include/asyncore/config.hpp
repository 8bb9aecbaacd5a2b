// SPDX-License-Identifier: MIT
/// \file
/// Compile-time configuration.
///
/// Every option has a documented default here. To change one without touching
/// the build, put an `asyncore_user_config.hpp` on the include path: it is read
/// first. CMake options only set these macros.
#ifndef ASYNCORE_CONFIG_HPP
#define ASYNCORE_CONFIG_HPP

#if defined(__has_include)
#if __has_include(<asyncore_user_config.hpp>)
#include <asyncore_user_config.hpp>
#endif
// Written by CMake at configure time: which platform layer the library was
// built with (ASYNCORE_PLATFORM_NAME) and what it provides (ASYNCORE_HAS_*).
#if __has_include(<asyncore/build_config.hpp>)
#include <asyncore/build_config.hpp>
#endif
#endif
#include <asyncore/export.hpp>
#include <asyncore/version.hpp>

/// ASYNCORE_HAS_TLS: 1 when the library was built with a TLS engine
/// (build_config.hpp, from CMake's ASYNCORE_TLS); 0 without one, and for
/// builds that have no build_config.hpp (ports/cortex-m4/Makefile).
#ifndef ASYNCORE_HAS_TLS
#define ASYNCORE_HAS_TLS 0
/// ASYNCORE_HAS_TLS_OPENSSL: 1 when the OpenSSL engine was built (build_config.hpp), else 0.
#define ASYNCORE_HAS_TLS_OPENSSL 0
/// ASYNCORE_HAS_TLS_MBEDTLS: 1 when the mbedTLS engine was built (build_config.hpp), else 0.
#define ASYNCORE_HAS_TLS_MBEDTLS 0
#endif

/// ASYNCORE_NO_EXCEPTIONS: define to 1 to drop every throwing overload. It is
/// set automatically when the compiler has exceptions off (-fno-exceptions),
/// the way fmt detects it. Every operation keeps its std::error_code overload.
#ifndef ASYNCORE_NO_EXCEPTIONS
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define ASYNCORE_NO_EXCEPTIONS 0
#else
#define ASYNCORE_NO_EXCEPTIONS 1
#endif
#endif
/// 1 when the throwing overloads exist (exceptions on), else 0: the
/// opposite of ASYNCORE_NO_EXCEPTIONS, for `#if`.
#define ASYNCORE_HAS_EXCEPTIONS (!ASYNCORE_NO_EXCEPTIONS)

/// \file
/// \par A library built without exceptions
/// A library built with ASYNCORE_NO_EXCEPTIONS=ON (build_config.hpp:
/// ASYNCORE_BUILT_WITHOUT_EXCEPTIONS 1) is compiled with -fno-exceptions
/// -fno-rtti: it has no type_info for its classes (a class derived from
/// dispatcher in code built with RTTI fails to link) and an exception thrown
/// from a handler cannot pass through its frames. Code using it must be built
/// the same way; the CMake target and the .pc file add both flags. (The other
/// way round is fine: code built without exceptions may use a library built
/// with them, and gets the error_code overloads only.)
#if defined(ASYNCORE_BUILT_WITHOUT_EXCEPTIONS) && ASYNCORE_BUILT_WITHOUT_EXCEPTIONS
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#error "asyncore: this copy of the library was built with ASYNCORE_NO_EXCEPTIONS=ON, but this file is compiled with exceptions on: compile it with -fno-exceptions -fno-rtti (MSVC: /EHs-c- /GR-; `pkg-config --cflags asyncore` and the CMake target asyncore::asyncore give them), or use a build of asyncore configured with ASYNCORE_NO_EXCEPTIONS=OFF"
#elif defined(__GXX_RTTI) || defined(_CPPRTTI)
#error "asyncore: this copy of the library was built with ASYNCORE_NO_EXCEPTIONS=ON (no RTTI), but this file is compiled with RTTI on: add -fno-rtti (MSVC: /GR-), or use a build of asyncore configured with ASYNCORE_NO_EXCEPTIONS=OFF"
#endif
#endif

/// ASYNCORE_HAS_FILE_DISPATCHER: file_wrapper and file_dispatcher exist only
/// where files can be polled (POSIX), as in Python.
#ifndef ASYNCORE_HAS_FILE_DISPATCHER
#define ASYNCORE_HAS_FILE_DISPATCHER 0
#endif

/// ASYNCORE_DEFAULT_MAX_RECORD: async_chat's default limit on the record being
/// collected (bytes). 0 turns the limit off. Configurable per channel too.
#ifndef ASYNCORE_DEFAULT_MAX_RECORD
#define ASYNCORE_DEFAULT_MAX_RECORD (1024u * 1024u)
#endif

/// ASYNCORE_IN_BUFFER_SIZE / ASYNCORE_OUT_BUFFER_SIZE: async_chat's default
/// ac_in_buffer_size and ac_out_buffer_size (Python: 65536 each). Small
/// targets lower them in asyncore_user_config.hpp.
#ifndef ASYNCORE_IN_BUFFER_SIZE
#define ASYNCORE_IN_BUFFER_SIZE 65536u
#endif
/// ASYNCORE_OUT_BUFFER_SIZE: async_chat's default ac_out_buffer_size, the
/// most one send() call is given (see ASYNCORE_IN_BUFFER_SIZE).
#ifndef ASYNCORE_OUT_BUFFER_SIZE
#define ASYNCORE_OUT_BUFFER_SIZE 65536u
#endif

/// ASYNCORE_MAX_READ_SIZE: the most one async_chat read asks recv() for,
/// whatever ac_in_buffer_size says (a "read everything" value such as
/// SIZE_MAX reads this much at a time instead of allocating it).
#ifndef ASYNCORE_MAX_READ_SIZE
#define ASYNCORE_MAX_READ_SIZE (4u * 1024u * 1024u)
#endif

/// ASYNCORE_TASK_INLINE_SIZE: the largest callable (bytes) that timers and
/// call_soon_threadsafe store in place, without a heap allocation (a lambda
/// capturing four pointers by default). Larger callables are allocated.
#ifndef ASYNCORE_TASK_INLINE_SIZE
#define ASYNCORE_TASK_INLINE_SIZE (4 * sizeof(void*))
#endif

/// ASYNCORE_WRITE_BUDGET: how many bytes one write event may send on one
/// channel before the loop moves on to the others (fairness bound).
#ifndef ASYNCORE_WRITE_BUDGET
#define ASYNCORE_WRITE_BUDGET (1024u * 1024u)
#endif

/// ASYNCORE_LISTEN_BACKLOG: a listen() backlog meaning "as many as the
/// platform allows" (the examples' servers use it). Every platform clamps a
/// larger backlog to its own maximum (Linux: net.core.somaxconn; the BSDs and
/// macOS: kern.ipc.somaxconn; lwIP: 255), so this one number serves all of
/// them without naming a platform macro such as SOMAXCONN.
#ifndef ASYNCORE_LISTEN_BACKLOG
#define ASYNCORE_LISTEN_BACKLOG 4096
#endif

/// ASYNCORE_SMALL: 1 selects the size-first configuration for firmware
/// (CMake option ASYNCORE_SMALL, on by default for bare-metal toolchains;
/// written into build_config.hpp). Behaviour is the same; what changes:
///  - error_category().message() gives short texts ("asyncore error 4")
///    and async_chat's record-limit error text leaves out the limit's
///    number;
///  - a socket_map looks a channel up by handle with a linear search
///    instead of a hash index (fine for a firmware's few channels);
///  - the epoll-to-poll fallback's log line omits the cause;
///  - with GCC, CMake builds the library with -finline-limit=8 -fno-ipa-sra;
///  - posted calls are kept in blocks of 16 (ASYNCORE_POST_BLOCK_CALLS).
/// 0 (the default) keeps the full messages and the hash index.
#ifndef ASYNCORE_SMALL
#define ASYNCORE_SMALL 0
#endif

/// ASYNCORE_LOCAL_PATH_MAX: the longest AF_UNIX path an address holds
/// (build_config.hpp: 108 on POSIX and Windows, 0 on lwIP). 108 when the
/// library's build_config.hpp is not on the include path.
#ifndef ASYNCORE_LOCAL_PATH_MAX
#define ASYNCORE_LOCAL_PATH_MAX 108
#endif

/// ASYNCORE_INET6: 0 leaves IPv6 text out of address, for a firmware whose
/// stack has no IPv6 (lwIP with LWIP_IPV6 0, as the firmware presets build;
/// CMake option ASYNCORE_INET6=OFF, written into build_config.hpp). Then
/// address::parse() refuses IPv6 text (errc::invalid_address, as any text it
/// cannot read), so "::1" and "[::1]" give an empty address, and host() writes
/// an IPv6 address (from from_bytes) in the full form, eight groups of hex
/// digits without "::" or a zone. IPv4 text, from_bytes() and every socket
/// call are unchanged. 1 (the default) parses and writes both.
#ifndef ASYNCORE_INET6
#define ASYNCORE_INET6 1
#endif

/// ASYNCORE_POST_BLOCK_CALLS: how many posted calls (call_soon_threadsafe)
/// one block holds; a map allocates blocks as posts need them and keeps up
/// to 4 emptied ones. Where interrupt handlers may post (lwIP's raw API), a
/// map keeps 2 from its first iteration, so that a handler's post allocates
/// nothing while fewer than this many calls wait. 64, or 16 with ASYNCORE_SMALL.
#ifndef ASYNCORE_POST_BLOCK_CALLS
#define ASYNCORE_POST_BLOCK_CALLS (ASYNCORE_SMALL ? 16 : 64)
#endif

/// ASYNCORE_NOINLINE (internal): keeps a rarely taken path out of the loop's
/// hot code, so a message touches fewer instruction cache lines.
#if defined(__GNUC__) || defined(__clang__)
#define ASYNCORE_NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#define ASYNCORE_NOINLINE __declspec(noinline)
#else
#define ASYNCORE_NOINLINE
#endif

#endif  // ASYNCORE_CONFIG_HPP
