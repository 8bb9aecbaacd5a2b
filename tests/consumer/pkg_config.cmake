# SPDX-License-Identifier: MIT
# cmake -P pkg_config.cmake: compiles, links and runs consumer.cpp with only
# what `pkg-config asyncore` says, from an install tree whose prefix was
# chosen at install time (`cmake --install --prefix`), not at configure time:
# asyncore.pc must find its prefix from where it is (${pcfiledir}).
#
#   -DPKG_CONFIG= -DPREFIX=<install prefix> -DLIBDIR=<lib, relative> -DCXX=
#   -DSOURCE=<consumer.cpp> -DOUT=<executable> -DVERSION=<expected version>
#   [-DSHARED=0|1] [-DEXTRA_FLAGS=<;-list, e.g. sanitizers>]
foreach(v PKG_CONFIG PREFIX LIBDIR CXX SOURCE OUT VERSION)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "pkg_config.cmake: -D${v}= is missing")
  endif()
endforeach()
set(ENV{PKG_CONFIG_PATH} "${PREFIX}/${LIBDIR}/pkgconfig")
unset(ENV{PKG_CONFIG_LIBDIR})
function(pc out)
  execute_process(COMMAND ${PKG_CONFIG} ${ARGN} asyncore
    OUTPUT_VARIABLE o ERROR_VARIABLE e RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pkg-config ${ARGN} asyncore failed: ${e}")
  endif()
  set(${out} "${o}" PARENT_SCOPE)
endfunction()

pc(version --modversion)
if(NOT version STREQUAL VERSION)
  message(FATAL_ERROR "asyncore.pc says version ${version}, the project is ${VERSION}")
endif()
pc(prefix --variable=prefix)
file(REAL_PATH "${prefix}" prefix_real)
file(REAL_PATH "${PREFIX}" expected_real)
if(NOT prefix_real STREQUAL expected_real)
  message(FATAL_ERROR "asyncore.pc: prefix=${prefix} (${prefix_real}), but it was installed to ${expected_real}")
endif()
pc(cflags --cflags)
pc(libs --libs)
pc(libdir --variable=libdir)
message(STATUS "pkg-config asyncore ${version}: prefix=${prefix}\n  --cflags: ${cflags}\n  --libs: ${libs}")
separate_arguments(cflags UNIX_COMMAND "${cflags}")
separate_arguments(libs UNIX_COMMAND "${libs}")
string(REPLACE "." ";" v "${version}")
list(GET v 0 major)
list(GET v 1 minor)
list(GET v 2 patch)
set(defs -DASYNCORE_EXPECT_VERSION_MAJOR=${major} -DASYNCORE_EXPECT_VERSION_MINOR=${minor}
         -DASYNCORE_EXPECT_VERSION_PATCH=${patch})
if(DEFINED SHARED)
  list(APPEND defs -DASYNCORE_EXPECT_SHARED=${SHARED})
endif()
set(cmd ${CXX} -std=c++17 ${EXTRA_FLAGS} ${cflags} ${defs} ${SOURCE} -o ${OUT} ${libs} -Wl,-rpath,${libdir})
execute_process(COMMAND ${cmd} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  string(REPLACE ";" " " cmd "${cmd}")
  message(FATAL_ERROR "pkg_config.cmake: the consumer did not build: ${cmd}")
endif()
execute_process(COMMAND ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pkg_config.cmake: ${OUT} failed (${rc})")
endif()
