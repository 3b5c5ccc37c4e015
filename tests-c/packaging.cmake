# Tests of Swish as a package others use (included by tests-c/tests.cmake).
#
# C: `cmake --install` of this build tree into a temporary prefix (install_tree), then outside programs
# built against that install and run without LD_LIBRARY_PATH:
#   install_find_package: a CMake project using find_package(Swish) and Swish::swish;
#   install_pkg_config:   a compile line from `pkg-config --cflags --libs swish`;
#   install_exports:      the installed library exports the swish_ functions and nothing else;
#   install_swift_runtime: an install with the swift_runtime component runs with the toolchain's Swift
#                         runtime hidden (skipped where no private mount namespace can be made).
set(_install_test_dir "${CMAKE_CURRENT_BINARY_DIR}/install-test")
find_program(SWISH_PKG_CONFIG NAMES pkg-config pkgconf REQUIRED)
find_program(SWISH_READELF NAMES readelf llvm-readelf REQUIRED)
string(REPLACE ";" "|" _runtime_dirs "${SWISH_SWIFT_RUNTIME_DIRS}")
set(_install_test_args
    -DPREFIX=${_install_test_dir}/prefix -DWORK_DIR=${_install_test_dir} -DBUILD_DIR=${CMAKE_CURRENT_BINARY_DIR}
    -DVERSION=${PROJECT_VERSION} -DSONAME=${SWISH_SONAME} -DLIBDIR=${CMAKE_INSTALL_LIBDIR}
    -DINCLUDEDIR=${CMAKE_INSTALL_INCLUDEDIR} -DC_COMPILER=${CMAKE_C_COMPILER} -DGENERATOR=${CMAKE_GENERATOR}
    -DPKG_CONFIG=${SWISH_PKG_CONFIG} -DNM=${SWISH_NM} -DREADELF=${SWISH_READELF}
    "-DRUNTIME_DIRS=${_runtime_dirs}")
# Not in a SWISH_SANITIZE build: the consumer programs would need the sanitizer runtimes the installed
# library then expects (cmake/robustness.cmake); packaging is tested by the ordinary builds.
set(_install_modes install find_package pkg_config exports swift_runtime)
if(SWISH_SANITIZE)
  set(_install_modes "")
endif()
foreach(_mode IN LISTS _install_modes)
  if(_mode STREQUAL "install")
    set(_name install_tree)
  else()
    set(_name install_${_mode})
  endif()
  add_test(NAME ${_name}
           COMMAND "${CMAKE_COMMAND}" -DMODE=${_mode} ${_install_test_args}
                   -P "${CMAKE_CURRENT_SOURCE_DIR}/tests-c/consumer/consumer_test.cmake")
  if(_mode STREQUAL "install")
    set_tests_properties(${_name} PROPERTIES FIXTURES_SETUP swish_install)
  else()
    set_tests_properties(${_name} PROPERTIES FIXTURES_REQUIRED swish_install)
  endif()
  if(_mode STREQUAL "swift_runtime")
    set_tests_properties(${_name} PROPERTIES SKIP_REGULAR_EXPRESSION "SKIPPED:")
  endif()
endforeach()

# Swift: examples_swift builds the separate package examples-swift/ (it depends on Swish by path) and runs
# its TrainMLP, which trains the seed's MLP and fails unless it learns. Always SwiftPM's debug
# configuration, in a scratch folder of this build tree: its first build compiles Swish once more (about
# 30 s on 2 cores, against about 80 s in release); later runs are incremental.
add_test(NAME examples_swift
         COMMAND "${SWIFT_EXECUTABLE}" run -c debug --package-path "${CMAKE_CURRENT_SOURCE_DIR}/examples-swift"
                 --scratch-path "${CMAKE_CURRENT_BINARY_DIR}/examples-swift" TrainMLP)
set_tests_properties(examples_swift PROPERTIES TIMEOUT 900)

# Documentation: docs_swift builds the DocC archive with scripts/docs.sh (the same SwiftPM build as
# CMake's, so nothing is compiled again) and fails on any docc warning; docs_getting_started and
# docs_c_api compile and run the programs of the DocC article and of docs/c-api.md with the README
# mechanism (tests-c/readme_examples.cmake) and compare what they print with the page.
find_program(SWISH_BASH bash REQUIRED)
add_test(NAME docs_swift
         COMMAND "${SWISH_BASH}" "${CMAKE_CURRENT_SOURCE_DIR}/scripts/docs.sh" --${SWISH_SWIFT_CONFIGURATION}
                 --swift-flags "${SWISH_SWIFT_FLAGS}" -o "${CMAKE_CURRENT_BINARY_DIR}/docs")
add_test(NAME docs_getting_started
         COMMAND "${CMAKE_COMMAND}" -DREADME=${CMAKE_CURRENT_SOURCE_DIR}/Sources/Swish/Swish.docc/GettingStarted.md
                 -DLANG=swift -DMAX_LINES=15 -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/docs-examples/getting-started
                 -DSWIFTC=${SWIFTC_EXECUTABLE} -DSWIFT_BIN_DIR=${SWISH_LIBRARY_DIR}
                 -DMODULE_MAP=${CMAKE_CURRENT_SOURCE_DIR}/Sources/COpenBLAS/module.modulemap|${CMAKE_CURRENT_SOURCE_DIR}/Sources/_SwishShims/include/module.modulemap
                 "-DOPENBLAS_INCLUDE_DIRS=${_openblas_include_dirs}"
                 "-DOPENBLAS_LIBRARY_DIRS=${_openblas_library_dirs}" "-DSWIFT_SANITIZE=${SWISH_SWIFT_SANITIZE}"
                 -P "${CMAKE_CURRENT_SOURCE_DIR}/tests-c/readme_examples.cmake")
add_test(NAME docs_c_api
         COMMAND "${CMAKE_COMMAND}" -DREADME=${CMAKE_CURRENT_SOURCE_DIR}/docs/c-api.md -DLANG=c -DMAX_LINES=45
                 -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/docs-examples/c-api -DC_COMPILER=${CMAKE_C_COMPILER}
                 -DINCLUDE_DIR=${CMAKE_CURRENT_SOURCE_DIR}/include -DLIBRARY=${SWISH_LIBRARY}
                 "-DEXTRA_FLAGS=${_sanitize_c_flags}" -P "${CMAKE_CURRENT_SOURCE_DIR}/tests-c/readme_examples.cmake")

# header_docs (tests-c/header_docs.c) checks the doc comments of include/swish.h; header_docs_selftest
# runs it on damaged copies of the header, so each of its rules is shown to fail when it should.
add_test(NAME header_docs_selftest
         COMMAND "${CMAKE_COMMAND}" -DHEADER_DOCS=$<TARGET_FILE:header_docs>
                 -DHEADER=${CMAKE_CURRENT_SOURCE_DIR}/include/swish.h
                 -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/header-docs-selftest
                 -P "${CMAKE_CURRENT_SOURCE_DIR}/tests-c/header_docs_selftest.cmake")
