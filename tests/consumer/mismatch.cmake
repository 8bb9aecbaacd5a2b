# SPDX-License-Identifier: MIT
# cmake -P mismatch.cmake: the exception/RTTI agreement between an installed
# library and the code that includes its headers (include/asyncore/config.hpp).
#
#   -DCXX= -DINCLUDE=<prefix>/include -DSOURCE=<consumer.cpp> -DNO_EXCEPTIONS=ON|OFF
#
# A library built with ASYNCORE_NO_EXCEPTIONS=ON: a file compiled with
# exceptions stops with an #error that names the fix, so does one compiled
# with -fno-exceptions but RTTI; -fno-exceptions -fno-rtti compiles.
# A library built with exceptions: a file compiled with -fno-exceptions
# -fno-rtti compiles too (that direction is allowed).
foreach(v CXX INCLUDE SOURCE NO_EXCEPTIONS)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "mismatch.cmake: -D${v}= is missing")
  endif()
endforeach()
function(try_compile_with expect regex)
  execute_process(COMMAND ${CXX} -std=c++17 -fsyntax-only -I${INCLUDE} ${ARGN} ${SOURCE}
    OUTPUT_VARIABLE o ERROR_VARIABLE e RESULT_VARIABLE rc)
  string(REPLACE ";" " " flags "${ARGN}")
  if(expect STREQUAL "ok")
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "with '${flags}': expected to compile, got:\n${e}")
    endif()
    message(STATUS "with '${flags}': compiles")
  else()
    if(rc EQUAL 0)
      message(FATAL_ERROR "with '${flags}': expected an #error, but it compiled")
    endif()
    if(NOT e MATCHES "${regex}")
      message(FATAL_ERROR "with '${flags}': failed, but not with the expected message (${regex}):\n${e}")
    endif()
    string(REGEX MATCH "#error[^\n]*" line "${e}")
    message(STATUS "with '${flags}': stops as expected: ${line}")
  endif()
endfunction()
if(NO_EXCEPTIONS)
  try_compile_with(error "built with ASYNCORE_NO_EXCEPTIONS=ON.*compile it with -fno-exceptions -fno-rtti")
  try_compile_with(error "built with ASYNCORE_NO_EXCEPTIONS=ON.*add -fno-rtti" -fno-exceptions)
  try_compile_with(ok "" -fno-exceptions -fno-rtti)
else()
  try_compile_with(ok "")
  try_compile_with(ok "" -fno-exceptions -fno-rtti)
endif()
