// SPDX-License-Identifier: MIT
/// \file
/// The library's version (semantic versioning).
///
/// The numbers are the CMake project's version (project(asyncore VERSION ...)
/// in CMakeLists.txt): configuring checks that both agree, and the packaging
/// tests compare them with the installed package's version (find_package and
/// pkg-config).
#ifndef ASYNCORE_VERSION_HPP
#define ASYNCORE_VERSION_HPP

/// The major version: incompatible API changes.
#define ASYNCORE_VERSION_MAJOR 0
/// The minor version: compatible additions.
#define ASYNCORE_VERSION_MINOR 2
/// The patch version: fixes.
#define ASYNCORE_VERSION_PATCH 0
/// "MAJOR.MINOR.PATCH"
#define ASYNCORE_VERSION_STRING "0.2.0"
/// MAJOR * 10000 + MINOR * 100 + PATCH, for `#if` comparisons
/// (`#if ASYNCORE_VERSION >= 200` for 0.2.0 and later).
#define ASYNCORE_VERSION (ASYNCORE_VERSION_MAJOR * 10000 + ASYNCORE_VERSION_MINOR * 100 + ASYNCORE_VERSION_PATCH)

#endif  // ASYNCORE_VERSION_HPP
