# Tests of Swish as a package others use (included by tests-c/tests.cmake).
#
# C: `cmake --install` of this build tree into a temporary prefix (install_tree), then outside programs
# built against that install and run without LD_LIBRARY_PATH:
#   install_find_package: a CMake project using find_package(Swish) and Swish::swish;
#   install_pkg_config:   a compile line from `pkg-config --cflags --libs swish`;
#   install_exports:      the installed library exports the swish_ functions and nothing else.
set(_install_test_dir "${CMAKE_CURRENT_BINARY_DIR}/install-test")
find_program(SWISH_PKG_CONFIG NAMES pkg-config pkgconf REQUIRED)
find_program(SWISH_READELF NAMES readelf llvm-readelf REQUIRED)
set(_install_test_args
    -DPREFIX=${_install_test_dir}/prefix -DWORK_DIR=${_install_test_dir} -DBUILD_DIR=${CMAKE_CURRENT_BINARY_DIR}
    -DVERSION=${PROJECT_VERSION} -DSONAME=${SWISH_SONAME} -DLIBDIR=${CMAKE_INSTALL_LIBDIR}
    -DINCLUDEDIR=${CMAKE_INSTALL_INCLUDEDIR} -DC_COMPILER=${CMAKE_C_COMPILER} -DGENERATOR=${CMAKE_GENERATOR}
    -DPKG_CONFIG=${SWISH_PKG_CONFIG} -DNM=${SWISH_NM} -DREADELF=${SWISH_READELF})
foreach(_mode install find_package pkg_config exports)
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
endforeach()

# Swift: examples_swift builds the separate package examples-swift/ (it depends on Swish by path) and runs
# its TrainMLP, which trains the seed's MLP and fails unless it learns. Always SwiftPM's debug
# configuration, in a scratch folder of this build tree: its first build compiles Swish once more (about
# 30 s on 2 cores, against about 80 s in release); later runs are incremental.
add_test(NAME examples_swift
         COMMAND "${SWIFT_EXECUTABLE}" run -c debug --package-path "${CMAKE_CURRENT_SOURCE_DIR}/examples-swift"
                 --scratch-path "${CMAKE_CURRENT_BINARY_DIR}/examples-swift" TrainMLP)
set_tests_properties(examples_swift PROPERTIES TIMEOUT 900)
