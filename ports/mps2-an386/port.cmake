# SPDX-License-Identifier: MIT
# ports/mps2-an386/port.cmake: lwIP's raw API (NO_SYS 1) for the MPS2-AN386
# board (Cortex-M4), included by src/lwip/platform.cmake when
# ASYNCORE_LWIP_API=raw and ASYNCORE_LWIP_PORT=mps2-an386 (the default for
# the raw API with ports/toolchains/arm-none-eabi-cortex-m4.cmake).
#
# First step: lwIP's core built with this port's lwipopts.h and arch/cc.h
# (lwip_mps2_an386), so the library and lwIP build for the board and their
# sizes can be measured (ci/lwip-raw prints them). The board's start-up code,
# linker script, LAN9118 netif, semihosting output, sys_now from a timer and
# the port hooks of src/lwip/raw/raw.hpp (service, idle with WFI, notify),
# and the firmware images, come next.
add_library(lwip_mps2_an386 STATIC ${ASYNCORE_LWIP_STACK_SOURCES})
target_include_directories(lwip_mps2_an386 SYSTEM PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}/include>
  $<BUILD_INTERFACE:${LWIP_DIR}/src/include>)
target_compile_options(lwip_mps2_an386 PRIVATE $<$<COMPILE_LANGUAGE:C>:-Werror=implicit-function-declaration>)
set_target_properties(lwip_mps2_an386 PROPERTIES C_STANDARD 11 C_EXTENSIONS ON)
set(ASYNCORE_LWIP_STACK_TARGET lwip_mps2_an386)

# The firmware image (links; no network interface yet): startup.c,
# mps2-an386.ld, board.c (SysTick, the raw platform's hooks), firmware.cpp.
option(ASYNCORE_LWIP_FIRMWARE "Build the MPS2-AN386 firmware image (asyncore_raw_firmware.elf)" ON)
if(ASYNCORE_LWIP_FIRMWARE)
  add_library(mps2_an386_board STATIC ${CMAKE_CURRENT_LIST_DIR}/board.c ${CMAKE_CURRENT_LIST_DIR}/startup.c)
  target_link_libraries(mps2_an386_board PUBLIC lwip_mps2_an386)
  set_target_properties(mps2_an386_board PROPERTIES C_STANDARD 11 C_EXTENSIONS ON)
  add_executable(asyncore_raw_firmware ${CMAKE_CURRENT_LIST_DIR}/firmware.cpp)
  set_target_properties(asyncore_raw_firmware PROPERTIES SUFFIX ".elf")
  # startup.c's vector table is kept by the linker script; Reset_Handler is the entry.
  target_link_libraries(asyncore_raw_firmware PRIVATE asyncore::asyncore mps2_an386_board lwip_mps2_an386
    $<BUILD_INTERFACE:asyncore_options>)
  target_link_options(asyncore_raw_firmware PRIVATE
    -T${CMAKE_CURRENT_LIST_DIR}/mps2-an386.ld
    -Wl,--whole-archive $<TARGET_FILE:mps2_an386_board> -Wl,--no-whole-archive
    -Wl,-Map=$<TARGET_FILE_DIR:asyncore_raw_firmware>/asyncore_raw_firmware.map
    -Wl,--print-memory-usage)
  set_target_properties(asyncore_raw_firmware PROPERTIES LINK_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/mps2-an386.ld)
endif()
