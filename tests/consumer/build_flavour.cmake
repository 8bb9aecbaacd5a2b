# SPDX-License-Identifier: MIT
# cmake -P build_flavour.cmake: builds the library alone in another flavour
# (shared or static, as the packaging tests ask) and installs it, for the
# consumers that test that flavour's package.
#
#   -DSOURCE_DIR= -DBINARY_DIR= -DPREFIX= -DGENERATOR= -DCXX= -DBUILD_TYPE=
#   -DSHARED=ON|OFF -DNO_EXCEPTIONS=ON|OFF [-DLAUNCHER=ccache]
# The build directory is kept, so running the test again rebuilds nothing.
foreach(v SOURCE_DIR BINARY_DIR PREFIX GENERATOR CXX SHARED NO_EXCEPTIONS)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "build_flavour.cmake: -D${v}= is missing")
  endif()
endforeach()
set(args -S ${SOURCE_DIR} -B ${BINARY_DIR} -G ${GENERATOR}
  -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
  -DBUILD_SHARED_LIBS=${SHARED} -DASYNCORE_NO_EXCEPTIONS=${NO_EXCEPTIONS}
  -DASYNCORE_BUILD_TESTS=OFF -DASYNCORE_BUILD_EXAMPLES=OFF -DASYNCORE_INSTALL=ON)
if(LAUNCHER)
  list(APPEND args -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()
foreach(step
    "${CMAKE_COMMAND};${args}"
    "${CMAKE_COMMAND};--build;${BINARY_DIR}"
    "${CMAKE_COMMAND};--install;${BINARY_DIR};--prefix;${PREFIX}")
  execute_process(COMMAND ${step} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "build_flavour.cmake: `${step}` failed (${rc})")
  endif()
endforeach()
