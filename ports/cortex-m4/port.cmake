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
