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
