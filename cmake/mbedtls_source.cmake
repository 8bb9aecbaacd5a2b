# SPDX-License-Identifier: MIT
# mbedTLS built from its source tree, for targets without a Debian library
# package (MinGW-w64, arm-none-eabi). Included by cmake/tls.cmake when
# ASYNCORE_MBEDTLS_SOURCE_DIR is set; ci/fetch-mbedtls gets the tree from
# Debian's source package (mbedTLS is never copied into this repository).
#
#   ASYNCORE_MBEDTLS_SOURCE_DIR   an upstream mbedTLS tree (include/mbedtls/ssl.h,
#                                 library/*.c), 2.28 or 3.x
#   ASYNCORE_MBEDTLS_CONFIG_FILE  optional: a configuration header used instead of
#                                 the tree's own (MBEDTLS_CONFIG_FILE), e.g.
#                                 ports/cortex-m4/mbedtls_config.h for firmware
#
# Defines the static library `asyncore_mbedtls`: every library/*.c of the tree
# (what mbedTLS's own three archives hold; the files of features the
# configuration leaves out compile to nothing), its include directory and the
# configuration as usage requirements. It is built with the project's
# compiler and flags but without our warning options (third-party code), and
# installed with the library when ASYNCORE_INSTALL is on (libasyncore.a
# needs it at link time).
set(ASYNCORE_MBEDTLS_SOURCE_DIR "" CACHE PATH "Build mbedTLS from this source tree (ci/fetch-mbedtls)")
set(ASYNCORE_MBEDTLS_CONFIG_FILE "" CACHE FILEPATH "mbedTLS configuration header for ASYNCORE_MBEDTLS_SOURCE_DIR (default: the tree's own)")

if(NOT EXISTS "${ASYNCORE_MBEDTLS_SOURCE_DIR}/include/mbedtls/ssl.h" OR
   NOT EXISTS "${ASYNCORE_MBEDTLS_SOURCE_DIR}/library/ssl_tls.c")
  message(FATAL_ERROR "ASYNCORE_MBEDTLS_SOURCE_DIR=${ASYNCORE_MBEDTLS_SOURCE_DIR} is not an mbedTLS source tree "
    "(no include/mbedtls/ssl.h, library/ssl_tls.c); eval \"$(ci/fetch-mbedtls)\" fetches one from Debian's source package")
endif()
enable_language(C)   # mbedTLS is C (the project itself may be CXX only)
file(GLOB _asyncore_mbedtls_sources CONFIGURE_DEPENDS "${ASYNCORE_MBEDTLS_SOURCE_DIR}/library/*.c")
add_library(asyncore_mbedtls STATIC ${_asyncore_mbedtls_sources})
target_include_directories(asyncore_mbedtls SYSTEM PUBLIC
  $<BUILD_INTERFACE:${ASYNCORE_MBEDTLS_SOURCE_DIR}/include>
  PRIVATE ${ASYNCORE_MBEDTLS_SOURCE_DIR}/library)
if(ASYNCORE_MBEDTLS_CONFIG_FILE)
  get_filename_component(_asyncore_mbedtls_config "${ASYNCORE_MBEDTLS_CONFIG_FILE}" ABSOLUTE)
  if(NOT EXISTS "${_asyncore_mbedtls_config}")
    message(FATAL_ERROR "ASYNCORE_MBEDTLS_CONFIG_FILE=${ASYNCORE_MBEDTLS_CONFIG_FILE} does not exist")
  endif()
  target_compile_definitions(asyncore_mbedtls PUBLIC "$<BUILD_INTERFACE:MBEDTLS_CONFIG_FILE=\"${_asyncore_mbedtls_config}\">")
endif()
set_target_properties(asyncore_mbedtls PROPERTIES C_STANDARD 99 POSITION_INDEPENDENT_CODE ${ASYNCORE_PIC})
if(WIN32)
  # net_sockets.c (Winsock) and entropy_poll.c (CryptGenRandom).
  target_link_libraries(asyncore_mbedtls PUBLIC ws2_32 advapi32)
endif()
if(ASYNCORE_INSTALL)
  include(GNUInstallDirs)
  install(TARGETS asyncore_mbedtls EXPORT asyncoreTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
endif()
