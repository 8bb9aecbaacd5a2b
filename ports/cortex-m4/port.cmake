# SPDX-License-Identifier: MIT
# ports/cortex-m4/port.cmake: lwIP and a firmware image for a small Cortex-M4
# board, included by src/lwip/platform.cmake when ASYNCORE_LWIP_PORT=cortex-m4
# (the default with ports/toolchains/arm-none-eabi-cortex-m4.cmake).
#
#   lwip_cortex_m4      lwIP from LWIP_DIR with this port's lwipopts.h, arch/
#                       headers and link-only RTOS glue (rtos_glue.c)
#   asyncore_firmware   asyncore_firmware.elf: startup.c + board.ld, an echo
#                       server and a line echo (firmware.cpp), the library, lwIP;
#                       with a map file (asyncore_firmware.map) for ci/cortex-m's
#                       size report.
#   asyncore_tls_firmware asyncore_tls_firmware.elf (+ .map) when TLS is built
#                       with mbedTLS from source (ASYNCORE_MBEDTLS_SOURCE_DIR;
#                       the preset's ASYNCORE_MBEDTLS_CONFIG_FILE is
#                       mbedtls_config.h): a TLS echo server and client
#                       (tls_firmware.cpp), the board's entropy hook
#                       (board_entropy.c), a certificate and key made at build
#                       time (tls_credentials.sh, needs the openssl command).
#   asyncore_cm4_tls_sizes an object only (never linked): sizeof of the TLS
#                       layer's and mbedTLS's per-connection state as this
#                       configuration makes them (tls_sizes.cpp), read by
#                       ci/cortex-m.
add_library(lwip_cortex_m4 STATIC
  ${ASYNCORE_LWIP_STACK_SOURCES}
  ${CMAKE_CURRENT_LIST_DIR}/rtos_glue.c)
target_include_directories(lwip_cortex_m4 SYSTEM PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}/include>
  $<BUILD_INTERFACE:${LWIP_DIR}/src/include>)
target_compile_options(lwip_cortex_m4 PRIVATE $<$<COMPILE_LANGUAGE:C>:-Werror=implicit-function-declaration>)
set_target_properties(lwip_cortex_m4 PROPERTIES C_STANDARD 11 C_EXTENSIONS ON)
set(ASYNCORE_LWIP_STACK_TARGET lwip_cortex_m4)

option(ASYNCORE_LWIP_FIRMWARE "Build the Cortex-M4 firmware image (asyncore_firmware.elf)" ON)
if(ASYNCORE_LWIP_FIRMWARE)
  add_executable(asyncore_firmware
    ${CMAKE_CURRENT_LIST_DIR}/firmware.cpp
    ${CMAKE_CURRENT_LIST_DIR}/startup.c)
  set_target_properties(asyncore_firmware PROPERTIES SUFFIX ".elf")
  target_link_libraries(asyncore_firmware PRIVATE asyncore::asyncore lwip_cortex_m4 $<BUILD_INTERFACE:asyncore_options>)
  target_link_options(asyncore_firmware PRIVATE
    -T${CMAKE_CURRENT_LIST_DIR}/board.ld
    -Wl,-Map=$<TARGET_FILE_DIR:asyncore_firmware>/asyncore_firmware.map
    -Wl,--print-memory-usage)
  set_target_properties(asyncore_firmware PROPERTIES LINK_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/board.ld)
  if(CMAKE_SIZE)
    add_custom_command(TARGET asyncore_firmware POST_BUILD
      COMMAND ${CMAKE_SIZE} $<TARGET_FILE:asyncore_firmware>
      VERBATIM)
  endif()
endif()

# The TLS image needs what cmake/tls.cmake decides, which is included after
# this file: defined at the end of the top directory.
function(_asyncore_cm4_tls_firmware)
  if(NOT "mbedtls" IN_LIST ASYNCORE_TLS_ENGINES OR NOT TARGET asyncore_mbedtls)
    # (Reads the preset's ASYNCORE_MBEDTLS_CONFIG_FILE, which only an mbedTLS built here uses.)
    message(STATUS "asyncore: no TLS firmware image (needs mbedTLS built from ASYNCORE_MBEDTLS_SOURCE_DIR "
      "with ${ASYNCORE_MBEDTLS_CONFIG_FILE})")
    return()
  endif()
  find_program(ASYNCORE_OPENSSL_COMMAND openssl)
  if(NOT ASYNCORE_OPENSSL_COMMAND)
    message(STATUS "asyncore: no TLS firmware image (its certificate is made with the openssl command: apt-get install openssl)")
    return()
  endif()
  set(_dir ${CMAKE_CURRENT_BINARY_DIR}/cortex-m4-tls)
  add_custom_command(OUTPUT ${_dir}/tls_credentials.h
    COMMAND ${CMAKE_COMMAND} -E make_directory ${_dir}
    COMMAND bash ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/tls_credentials.sh ${_dir}/tls_credentials.h
    DEPENDS ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/tls_credentials.sh
    COMMENT "TLS firmware: a throwaway certificate and key (tls_credentials.sh)"
    VERBATIM)
  add_executable(asyncore_tls_firmware
    ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/tls_firmware.cpp
    ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/board_entropy.c
    ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/startup.c
    ${_dir}/tls_credentials.h)
  target_include_directories(asyncore_tls_firmware PRIVATE ${_dir})
  set_target_properties(asyncore_tls_firmware PROPERTIES SUFFIX ".elf"
    LINK_DEPENDS ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/board.ld)
  target_link_libraries(asyncore_tls_firmware PRIVATE asyncore::asyncore asyncore_mbedtls lwip_cortex_m4
    $<BUILD_INTERFACE:asyncore_options>)
  target_link_options(asyncore_tls_firmware PRIVATE
    -T${CMAKE_CURRENT_FUNCTION_LIST_DIR}/board.ld
    -Wl,-Map=$<TARGET_FILE_DIR:asyncore_tls_firmware>/asyncore_tls_firmware.map
    # A TLS connection takes about 26 KB of heap in this configuration
    # (ci/cortex-m computes it): 64 KiB for the server's and the client's
    # connections, the two contexts and the handshake's temporaries.
    -Wl,--defsym=asyncore_heap_size=65536
    -Wl,--print-memory-usage)
  if(CMAKE_SIZE)
    add_custom_command(TARGET asyncore_tls_firmware POST_BUILD
      COMMAND ${CMAKE_SIZE} $<TARGET_FILE:asyncore_tls_firmware>
      VERBATIM)
  endif()
  # Not linked: compiles src/tls/ once more to measure its types (tls_sizes.cpp).
  add_library(asyncore_cm4_tls_sizes OBJECT ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/tls_sizes.cpp)
  # Machine code, not LTO bytecode, even in an LTO build: ci/cortex-m reads
  # its arrays' sizes with nm.
  set_target_properties(asyncore_cm4_tls_sizes PROPERTIES INTERPROCEDURAL_OPTIMIZATION OFF)
  target_compile_definitions(asyncore_cm4_tls_sizes PRIVATE ASYNCORE_TLS_OPENSSL=0 ASYNCORE_TLS_MBEDTLS=1)
  target_link_libraries(asyncore_cm4_tls_sizes PRIVATE asyncore::asyncore asyncore_mbedtls lwip_cortex_m4)
endfunction()
if(ASYNCORE_LWIP_FIRMWARE)
  if(CMAKE_VERSION VERSION_LESS 3.19)
    message(STATUS "asyncore: no TLS firmware image (needs CMake 3.19: cmake_language(DEFER))")
  else()
    cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL _asyncore_cm4_tls_firmware)
  endif()
endif()
