// SPDX-License-Identifier: MIT
/// \file
/// ASYNCORE_API, the mark on every public class and free
/// function.
///
///  - static library (ASYNCORE_SHARED 0 in the generated build_config.hpp, or
///    no build_config.hpp at all): empty;
///  - shared library on Windows: __declspec(dllexport) while building it
///    (CMake defines ASYNCORE_BUILDING), __declspec(dllimport) for its users;
///  - shared library with GCC or Clang elsewhere: default visibility. The
///    library is compiled with -fvisibility=hidden and
///    -fvisibility-inlines-hidden, so only what carries ASYNCORE_API is
///    exported.
///
/// Included by <asyncore/config.hpp>; every public header includes that.
#ifndef ASYNCORE_EXPORT_HPP
#define ASYNCORE_EXPORT_HPP

#if defined(__has_include)
#if __has_include(<asyncore/build_config.hpp>)
#include <asyncore/build_config.hpp>
#endif
#endif

#ifndef ASYNCORE_API
#if !defined(ASYNCORE_SHARED) || !ASYNCORE_SHARED
/// The export mark on every public class and free function: empty for a
/// static library, the platform's export/import attribute for a shared one
/// (see export.hpp). Applications never need to write it.
#define ASYNCORE_API
#elif defined(_WIN32) || defined(__CYGWIN__)
#if defined(ASYNCORE_BUILDING)
#define ASYNCORE_API __declspec(dllexport)
#else
#define ASYNCORE_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define ASYNCORE_API __attribute__((visibility("default")))
#else
#define ASYNCORE_API
#endif
#endif

#endif  // ASYNCORE_EXPORT_HPP
