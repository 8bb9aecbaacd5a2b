# SPDX-License-Identifier: MIT
# TLS (issue 13): ASYNCORE_TLS=auto|mbedtls|openssl|off.
#   auto     every engine found (OpenSSL 3 and mbedTLS on Linux): both are
#            compiled into one library and a tls_context picks its engine,
#            so one test binary covers both; nothing found: no TLS.
#            Only on native builds of the POSIX platform and of lwIP's
#            stack on the host (the engines need no socket: the TLS layer
#            feeds them from the channel), and on any build given an mbedTLS
#            source tree: cross builds (Windows, ARM, Cortex-M) have no TLS
#            library in their sysroot, so there mbedTLS is built from
#            ASYNCORE_MBEDTLS_SOURCE_DIR (cmake/mbedtls_source.cmake).
#   openssl  OpenSSL only (an error if it is missing); likewise mbedtls.
#   off      no TLS: the library is built exactly as without this file.
# Sets ASYNCORE_TLS_ENGINES (the engines built) and adds src/tls/ to the
# target `asyncore`; the engines' libraries are linked by name, so that the
# installed CMake package and asyncore.pc name them too.
set(ASYNCORE_TLS "auto" CACHE STRING "TLS engines: auto, mbedtls, openssl or off")
set_property(CACHE ASYNCORE_TLS PROPERTY STRINGS auto mbedtls openssl off)

set(ASYNCORE_TLS_ENGINES "")
set(_asyncore_want_openssl OFF)
set(_asyncore_want_mbedtls OFF)
set(ASYNCORE_MBEDTLS_SOURCE_DIR "" CACHE PATH "Build mbedTLS from this source tree (ci/fetch-mbedtls)")
if(ASYNCORE_TLS STREQUAL "auto")
  if(ASYNCORE_PLATFORM_RESOLVED MATCHES "^(posix|lwip)$" AND NOT CMAKE_CROSSCOMPILING)
    set(_asyncore_want_openssl AUTO)
    set(_asyncore_want_mbedtls AUTO)
  elseif(ASYNCORE_MBEDTLS_SOURCE_DIR)
    set(_asyncore_want_mbedtls AUTO)
  endif()
elseif(ASYNCORE_TLS STREQUAL "openssl")
  set(_asyncore_want_openssl ON)
elseif(ASYNCORE_TLS STREQUAL "mbedtls")
  set(_asyncore_want_mbedtls ON)
elseif(NOT ASYNCORE_TLS STREQUAL "off")
  message(FATAL_ERROR "ASYNCORE_TLS=${ASYNCORE_TLS}: choose one of auto, mbedtls, openssl, off")
endif()

set(_asyncore_tls_libs "")
if(_asyncore_want_openssl)
  find_path(ASYNCORE_OPENSSL_INCLUDE openssl/ssl.h)
  find_library(ASYNCORE_OPENSSL_SSL ssl)
  find_library(ASYNCORE_OPENSSL_CRYPTO crypto)
  if(ASYNCORE_OPENSSL_INCLUDE AND ASYNCORE_OPENSSL_SSL AND ASYNCORE_OPENSSL_CRYPTO)
    file(STRINGS ${ASYNCORE_OPENSSL_INCLUDE}/openssl/opensslv.h _asyncore_ossl_major REGEX "define OPENSSL_VERSION_MAJOR")
    if(_asyncore_ossl_major MATCHES "([0-9]+)" AND CMAKE_MATCH_1 GREATER_EQUAL 3)
      list(APPEND ASYNCORE_TLS_ENGINES openssl)
      list(APPEND _asyncore_tls_libs ssl crypto)
    elseif(_asyncore_want_openssl STREQUAL "ON")
      message(FATAL_ERROR "ASYNCORE_TLS=openssl: OpenSSL 3 is needed (found an older one)")
    endif()
  elseif(_asyncore_want_openssl STREQUAL "ON")
    message(FATAL_ERROR "ASYNCORE_TLS=openssl: OpenSSL not found (Debian: apt-get install libssl-dev)")
  endif()
endif()
if(_asyncore_want_mbedtls AND ASYNCORE_MBEDTLS_SOURCE_DIR)
  include(${CMAKE_CURRENT_LIST_DIR}/mbedtls_source.cmake)
  list(APPEND ASYNCORE_TLS_ENGINES mbedtls)
  list(APPEND _asyncore_tls_libs asyncore_mbedtls)
elseif(_asyncore_want_mbedtls)
  find_path(ASYNCORE_MBEDTLS_INCLUDE mbedtls/ssl.h)
  find_library(ASYNCORE_MBEDTLS_TLS mbedtls)
  find_library(ASYNCORE_MBEDTLS_X509 mbedx509)
  find_library(ASYNCORE_MBEDTLS_CRYPTO mbedcrypto)
  if(ASYNCORE_MBEDTLS_INCLUDE AND ASYNCORE_MBEDTLS_TLS AND ASYNCORE_MBEDTLS_X509 AND ASYNCORE_MBEDTLS_CRYPTO)
    list(APPEND ASYNCORE_TLS_ENGINES mbedtls)
    list(APPEND _asyncore_tls_libs mbedtls mbedx509 mbedcrypto)
  elseif(_asyncore_want_mbedtls STREQUAL "ON")
    message(FATAL_ERROR "ASYNCORE_TLS=mbedtls: mbedTLS not found (Debian: apt-get install libmbedtls-dev)")
  endif()
endif()

if(ASYNCORE_TLS_ENGINES)
  set(_asyncore_tls_sources ${PROJECT_SOURCE_DIR}/src/tls/layer.cpp)
  set(_asyncore_tls_defs ASYNCORE_TLS_OPENSSL=0 ASYNCORE_TLS_MBEDTLS=0)
  if("openssl" IN_LIST ASYNCORE_TLS_ENGINES)
    list(APPEND _asyncore_tls_sources ${PROJECT_SOURCE_DIR}/src/tls/openssl_engine.cpp)
    list(TRANSFORM _asyncore_tls_defs REPLACE "ASYNCORE_TLS_OPENSSL=0" "ASYNCORE_TLS_OPENSSL=1")
  endif()
  if("mbedtls" IN_LIST ASYNCORE_TLS_ENGINES)
    list(APPEND _asyncore_tls_sources ${PROJECT_SOURCE_DIR}/src/tls/mbedtls_engine.cpp)
    list(TRANSFORM _asyncore_tls_defs REPLACE "ASYNCORE_TLS_MBEDTLS=0" "ASYNCORE_TLS_MBEDTLS=1")
  endif()
  target_sources(asyncore PRIVATE ${_asyncore_tls_sources})
  set_source_files_properties(${_asyncore_tls_sources} PROPERTIES COMPILE_DEFINITIONS "${_asyncore_tls_defs}")
  # Linked by name: the CMake package and asyncore.pc (ASYNCORE_PLATFORM_LIBS) carry them.
  target_link_libraries(asyncore PUBLIC ${_asyncore_tls_libs})
  list(APPEND ASYNCORE_PLATFORM_LIBS ${_asyncore_tls_libs})
  message(STATUS "asyncore: TLS engines: ${ASYNCORE_TLS_ENGINES}")
else()
  message(STATUS "asyncore: TLS off (ASYNCORE_TLS=${ASYNCORE_TLS})")
endif()
# For build_config.hpp (ASYNCORE_HAS_TLS and one macro per engine).
set(ASYNCORE_HAS_TLS 0)
set(ASYNCORE_HAS_TLS_OPENSSL 0)
set(ASYNCORE_HAS_TLS_MBEDTLS 0)
if(ASYNCORE_TLS_ENGINES)
  set(ASYNCORE_HAS_TLS 1)
endif()
if("openssl" IN_LIST ASYNCORE_TLS_ENGINES)
  set(ASYNCORE_HAS_TLS_OPENSSL 1)
endif()
if("mbedtls" IN_LIST ASYNCORE_TLS_ENGINES)
  set(ASYNCORE_HAS_TLS_MBEDTLS 1)
endif()
