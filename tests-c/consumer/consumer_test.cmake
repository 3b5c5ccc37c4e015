# The install ctests of tests-c/install.cmake, one MODE per test:
#   install       installs the build tree into PREFIX (emptied first) and checks the installed files and
#                 the library's SONAME;
#   find_package  builds consumer.c as an outside CMake project with find_package(Swish) and runs it;
#   pkg_config    compiles consumer.c with `pkg-config --cflags --libs swish` and runs it;
#   exports       checks that the installed library exports only swish_ symbols;
#   swift_runtime installs into a second prefix with the swift_runtime component too, and runs a consumer
#                 of it with the toolchain's runtime directories (RUNTIME_DIRS, joined with "|") hidden
#                 by an empty tmpfs in a private mount namespace (unshare -m, needs root): it must run,
#                 while a consumer of the plain install must fail to start there. Prints "SKIPPED:" when
#                 the namespace cannot be made.
# Programs run without LD_LIBRARY_PATH, and must load libswish from PREFIX.
#   cmake -DMODE=... -DPREFIX=... -DWORK_DIR=... -DBUILD_DIR=... -DVERSION=... -DSONAME=...
#         -DLIBDIR=... -DINCLUDEDIR=... -DC_COMPILER=... -DGENERATOR=... -DPKG_CONFIG=... -DNM=... -DREADELF=...
#         -DRUNTIME_DIRS=...
#         -P consumer_test.cmake
cmake_minimum_required(VERSION 3.20)
foreach(var MODE PREFIX WORK_DIR VERSION SONAME LIBDIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "consumer_test.cmake needs -D${var}=...")
  endif()
endforeach()
set(library "${PREFIX}/${LIBDIR}/libswish.so.${VERSION}")

# Runs a command; fails the test with its output unless it exits 0. The output goes to `out_var`.
function(run out_var)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " command "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${command}\n${out}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

# Runs the consumer program without LD_LIBRARY_PATH and checks that it loaded libswish from PREFIX.
function(run_consumer exe)
  run(out "${CMAKE_COMMAND}" -E env --unset=LD_LIBRARY_PATH "${exe}")
  message(STATUS "${exe} printed:\n${out}")
  if(NOT out MATCHES "swish ${VERSION}\n")
    message(FATAL_ERROR "the consumer did not report version ${VERSION}")
  endif()
  run(ldd_out "${CMAKE_COMMAND}" -E env --unset=LD_LIBRARY_PATH ldd "${exe}")
  string(REGEX MATCH "${SONAME} => [^ ]+" resolved "${ldd_out}")
  file(REAL_PATH "${PREFIX}" real_prefix)
  string(REGEX REPLACE "^.* => " "" loaded "${resolved}")
  if(loaded STREQUAL "")
    message(FATAL_ERROR "ldd does not show ${SONAME} for ${exe}:\n${ldd_out}")
  endif()
  file(REAL_PATH "${loaded}" loaded)
  if(NOT loaded STREQUAL "${real_prefix}/${LIBDIR}/libswish.so.${VERSION}")
    message(FATAL_ERROR "${exe} loads ${loaded}, not the library installed in ${PREFIX}:\n${ldd_out}")
  endif()
  message(STATUS "${exe} ran without LD_LIBRARY_PATH and loaded ${loaded}")
endfunction()

# Compiles consumer.c into `exe` with the flags `pkg-config --cflags --libs swish` gives for `prefix`.
function(compile_with_pkg_config prefix exe)
  run(flags "${CMAKE_COMMAND}" -E env "PKG_CONFIG_PATH=${prefix}/${LIBDIR}/pkgconfig"
      "${PKG_CONFIG}" --cflags --libs swish)
  string(STRIP "${flags}" flags)
  message(STATUS "pkg-config --cflags --libs swish: ${flags}")
  separate_arguments(flags UNIX_COMMAND "${flags}")
  run(out "${C_COMPILER}" -std=c11 -Wall -Wextra -Werror -pedantic "${CMAKE_CURRENT_LIST_DIR}/consumer.c"
      -o "${exe}" ${flags})
endfunction()

if(MODE STREQUAL "install")
  file(REMOVE_RECURSE "${PREFIX}")
  run(out "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}")
  foreach(file
      "${LIBDIR}/libswish.so.${VERSION}" "${LIBDIR}/${SONAME}" "${LIBDIR}/libswish.so"
      "${INCLUDEDIR}/swish.h" "${LIBDIR}/pkgconfig/swish.pc"
      "${LIBDIR}/cmake/Swish/SwishConfig.cmake" "${LIBDIR}/cmake/Swish/SwishConfigVersion.cmake")
    if(NOT EXISTS "${PREFIX}/${file}")
      message(FATAL_ERROR "cmake --install did not install ${file}:\n${out}")
    endif()
  endforeach()
  # The development link and the SONAME link lead to the real file.
  foreach(link "libswish.so" "${SONAME}")
    if(NOT IS_SYMLINK "${PREFIX}/${LIBDIR}/${link}")
      message(FATAL_ERROR "${LIBDIR}/${link} is not a symbolic link")
    endif()
    file(REAL_PATH "${PREFIX}/${LIBDIR}/${link}" target)
    file(REAL_PATH "${library}" real_library)
    if(NOT target STREQUAL real_library)
      message(FATAL_ERROR "${LIBDIR}/${link} points to ${target}, not to ${real_library}")
    endif()
  endforeach()
  run(dynamic "${READELF}" -d "${library}")
  if(NOT dynamic MATCHES "Library soname: \\[${SONAME}\\]")
    message(FATAL_ERROR "the installed library's SONAME is not ${SONAME}:\n${dynamic}")
  endif()
  message(STATUS "installed Swish ${VERSION} into ${PREFIX}:\n${out}")

elseif(MODE STREQUAL "find_package")
  set(build "${WORK_DIR}/find_package")
  file(REMOVE_RECURSE "${build}")
  get_filename_component(source "${CMAKE_CURRENT_LIST_DIR}" ABSOLUTE)
  run(out "${CMAKE_COMMAND}" -S "${source}" -B "${build}" -G "${GENERATOR}"
      "-DCMAKE_C_COMPILER=${C_COMPILER}" "-DCMAKE_PREFIX_PATH=${PREFIX}" "-DSWISH_VERSION=${VERSION}"
      -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
  run(out "${CMAKE_COMMAND}" --build "${build}")
  run_consumer("${build}/consumer")

elseif(MODE STREQUAL "pkg_config")
  set(build "${WORK_DIR}/pkg_config")
  file(REMOVE_RECURSE "${build}")
  file(MAKE_DIRECTORY "${build}")
  run(version "${CMAKE_COMMAND}" -E env "PKG_CONFIG_PATH=${PREFIX}/${LIBDIR}/pkgconfig"
      "${PKG_CONFIG}" --modversion swish)
  string(STRIP "${version}" version)
  if(NOT version STREQUAL VERSION)
    message(FATAL_ERROR "pkg-config reports version ${version}, not ${VERSION}")
  endif()
  compile_with_pkg_config("${PREFIX}" "${build}/consumer")
  run_consumer("${build}/consumer")

elseif(MODE STREQUAL "swift_runtime")
  set(bundle "${WORK_DIR}/bundle")
  set(build "${WORK_DIR}/swift_runtime")
  file(REMOVE_RECURSE "${bundle}" "${build}")
  file(MAKE_DIRECTORY "${build}")
  run(out "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${bundle}")
  run(out "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${bundle}" --component swift_runtime)
  message(STATUS "installed the swift_runtime component:\n${out}")
  if(NOT EXISTS "${bundle}/${LIBDIR}/libswiftCore.so")
    message(FATAL_ERROR "the swift_runtime component did not install libswiftCore.so:\n${out}")
  endif()
  compile_with_pkg_config("${bundle}" "${build}/bundled")
  compile_with_pkg_config("${PREFIX}" "${build}/plain")

  string(REPLACE "|" ";" RUNTIME_DIRS "${RUNTIME_DIRS}")
  set(hide "")
  foreach(dir IN LISTS RUNTIME_DIRS)
    string(APPEND hide "mount -t tmpfs tmpfs '${dir}' && ")
  endforeach()
  execute_process(COMMAND unshare -m sh -c "${hide} true" RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(STATUS "SKIPPED: cannot hide the Swift runtime in a private mount namespace: ${err}")
    return()
  endif()
  execute_process(COMMAND unshare -m sh -c "${hide} exec '${build}/plain'"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0 OR NOT err MATCHES "libswift")
    message(FATAL_ERROR "with the Swift runtime hidden, a consumer of the plain install should not start, "
                        "but it exited with ${rc}:\n${out}${err}")
  endif()
  message(STATUS "with the runtime hidden, the plain install's consumer fails as it should: ${err}")
  execute_process(COMMAND unshare -m sh -c "${hide} exec '${build}/bundled'"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "swish ${VERSION}\n")
    message(FATAL_ERROR "with the Swift runtime hidden, the consumer of the install with the swift_runtime "
                        "component failed (${rc}):\n${out}${err}")
  endif()
  message(STATUS "with the runtime hidden, the consumer of the install with its own Swift runtime ran:\n${out}")

elseif(MODE STREQUAL "exports")
  run(symbols "${NM}" -D --defined-only "${library}")
  string(REGEX MATCHALL "[^\n]+" lines "${symbols}")
  set(count 0)
  set(others "")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^.* " "" name "${line}")
    if(name MATCHES "^swish_")
      math(EXPR count "${count} + 1")
    else()
      list(APPEND others "${line}")
    endif()
  endforeach()
  if(others)
    list(LENGTH others n)
    list(SUBLIST others 0 20 shown)
    list(JOIN shown "\n  " shown)
    message(FATAL_ERROR "${library} exports ${n} symbols besides the swish_ functions, e.g.:\n  ${shown}")
  endif()
  if(count LESS 100)
    message(FATAL_ERROR "${library} exports only ${count} swish_ symbols; the nm output was not understood:\n${symbols}")
  endif()
  message(STATUS "${library} exports ${count} symbols, all swish_ functions")

else()
  message(FATAL_ERROR "unknown MODE ${MODE}")
endif()
