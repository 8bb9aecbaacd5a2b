# SPDX-License-Identifier: MIT
# CMake toolchain file: bare-metal Cortex-M4 (Thumb-2) with Debian's
# arm-none-eabi GCC, newlib-nano and libstdc++ (packages gcc-arm-none-eabi,
# libnewlib-arm-none-eabi, libstdc++-arm-none-eabi-newlib).
#
#   cmake --preset cortex-m4 -DLWIP_DIR=/path/to/lwip
#
# Code is built for size (-Os via CMAKE_BUILD_TYPE=MinSizeRel; the library
# in its size-first configuration, ASYNCORE_SMALL, which CMakeLists.txt turns
# on for bare-metal toolchains such as this one), without
# exceptions or RTTI, one section per function and object so that the linker
# drops what the firmware does not use. Soft-float ABI by default; for a
# Cortex-M4F pass -DASYNCORE_CM4_FPU=ON (hard-float, fpv4-sp-d16).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(_prefix arm-none-eabi-)
set(CMAKE_C_COMPILER   ${_prefix}gcc)
set(CMAKE_CXX_COMPILER ${_prefix}g++)
set(CMAKE_ASM_COMPILER ${_prefix}gcc)
set(CMAKE_AR           ${_prefix}ar CACHE FILEPATH "")
set(CMAKE_RANLIB       ${_prefix}ranlib CACHE FILEPATH "")
set(CMAKE_SIZE         ${_prefix}size CACHE FILEPATH "")
set(CMAKE_OBJCOPY      ${_prefix}objcopy CACHE FILEPATH "")

# A bare-metal executable cannot be linked without a board's start-up code:
# compiler checks build a static library instead.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

option(ASYNCORE_CM4_FPU "Cortex-M4F: hard-float ABI with the single-precision FPU" OFF)
set(_cpu "-mcpu=cortex-m4 -mthumb")
if(ASYNCORE_CM4_FPU)
  string(APPEND _cpu " -mfpu=fpv4-sp-d16 -mfloat-abi=hard")
endif()
set(_common "${_cpu} -ffunction-sections -fdata-sections")
set(CMAKE_C_FLAGS_INIT   "${_common}")
set(CMAKE_CXX_FLAGS_INIT "${_common} -fno-exceptions -fno-rtti -fno-threadsafe-statics")
set(CMAKE_ASM_FLAGS_INIT "${_cpu}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${_cpu} --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
