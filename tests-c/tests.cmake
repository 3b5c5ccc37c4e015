# Tests beyond "one C file, one program" (included by CMakeLists.txt):
#   header_c11_<cc>, header_cxx17_<cxx>: include/swish.h compiles as C11 and C++17 with
#       -Wall -Wextra -Werror -pedantic, with gcc/g++ and clang/clang++ where installed;
#   header_cxx_link: a C++17 program links libswish.so and calls it;
#   header_exports: the functions swish.h declares are exactly the swish_ symbols libswish.so exports;
#   readme_c, readme_swift: the examples in README.md compile, run and print what the README shows.

set(_tests_c "${CMAKE_CURRENT_SOURCE_DIR}/tests-c")
set(_header_flags -Wall -Wextra -Werror -pedantic -fsyntax-only -I "${CMAKE_CURRENT_SOURCE_DIR}/include")

# The project's compilers plus gcc/g++ and clang/clang++ if present, each once.
set(_c_compilers "${CMAKE_C_COMPILER}")
set(_cxx_compilers "${CMAKE_CXX_COMPILER}")
foreach(_name gcc clang)
  find_program(SWISH_${_name}_C NAMES ${_name})
  if(SWISH_${_name}_C)
    list(APPEND _c_compilers "${SWISH_${_name}_C}")
  endif()
endforeach()
foreach(_name g++ clang++)
  string(MAKE_C_IDENTIFIER "${_name}" _id)
  find_program(SWISH_${_id}_CXX NAMES ${_name})
  if(SWISH_${_id}_CXX)
    list(APPEND _cxx_compilers "${SWISH_${_id}_CXX}")
  endif()
endforeach()

# Names the tests by compiler family; two paths to the same compiler (cc and gcc) are tested once.
function(_swish_header_tests language)
  set(_seen "")
  foreach(_compiler IN LISTS ARGN)
    get_filename_component(_real "${_compiler}" REALPATH)
    execute_process(COMMAND "${_real}" --version OUTPUT_VARIABLE _version ERROR_QUIET)
    if(_version MATCHES "clang")
      set(_family clang)
    elseif(_version MATCHES "GCC|gcc|g\\+\\+|Free Software Foundation")
      set(_family gcc)
    else()
      get_filename_component(_family "${_real}" NAME_WE)
    endif()
    if(_family IN_LIST _seen)
      continue()
    endif()
    list(APPEND _seen ${_family})
    if(language STREQUAL "c")
      set(_name header_c11_${_family})
      set(_lang_flags -x c -std=c11 -Wstrict-prototypes)
    else()
      set(_name header_cxx17_${_family})
      set(_lang_flags -x c++ -std=c++17)
    endif()
    add_test(NAME ${_name}
             COMMAND "${_compiler}" ${_lang_flags} ${_header_flags} "${_tests_c}/header/header_tu.c")
  endforeach()
endfunction()
_swish_header_tests(c ${_c_compilers})
_swish_header_tests(cxx ${_cxx_compilers})

add_executable(header_cxx_link "${_tests_c}/header/header_cxx_link.cpp")
set_target_properties(header_cxx_link PROPERTIES CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON CXX_EXTENSIONS OFF)
target_compile_options(header_cxx_link PRIVATE -Wall -Wextra -Werror -pedantic)
target_link_libraries(header_cxx_link PRIVATE swish)
add_test(NAME header_cxx_link COMMAND header_cxx_link)

find_program(SWISH_NM NAMES nm llvm-nm REQUIRED)
add_test(NAME header_exports
         COMMAND "${CMAKE_COMMAND}" -DHEADER=${CMAKE_CURRENT_SOURCE_DIR}/include/swish.h
                 -DLIBRARY=${SWISH_LIBRARY} -DC_COMPILER=${CMAKE_C_COMPILER} -DNM=${SWISH_NM}
                 -P "${_tests_c}/check_exports.cmake")

# README examples: C against libswish.so, Swift against the Swish module SwiftPM built (with the
# sanitizer flags of a SWISH_SANITIZE build, see cmake/robustness.cmake).
string(REPLACE ";" "|" _sanitize_c_flags "${SWISH_SANITIZE_FLAGS}")
add_test(NAME readme_c
         COMMAND "${CMAKE_COMMAND}" -DREADME=${CMAKE_CURRENT_SOURCE_DIR}/README.md -DLANG=c -DMAX_LINES=15
                 "-DEXTRA_FLAGS=${_sanitize_c_flags}"
                 -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/readme -DC_COMPILER=${CMAKE_C_COMPILER}
                 -DINCLUDE_DIR=${CMAKE_CURRENT_SOURCE_DIR}/include -DLIBRARY=${SWISH_LIBRARY}
                 -P "${_tests_c}/readme_examples.cmake")
find_package(PkgConfig REQUIRED)
pkg_check_modules(SWISH_OPENBLAS REQUIRED openblas)
# Lists travel to the script joined with "|" (a ";" would split the test's command line).
string(REPLACE ";" "|" _openblas_include_dirs "${SWISH_OPENBLAS_INCLUDE_DIRS}")
string(REPLACE ";" "|" _openblas_library_dirs "${SWISH_OPENBLAS_LIBRARY_DIRS}")
get_filename_component(_swift_dir "${SWIFT_EXECUTABLE}" DIRECTORY)
find_program(SWIFTC_EXECUTABLE swiftc HINTS "${_swift_dir}" REQUIRED)
add_test(NAME readme_swift
         COMMAND "${CMAKE_COMMAND}" -DREADME=${CMAKE_CURRENT_SOURCE_DIR}/README.md -DLANG=swift -DMAX_LINES=10
                 -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/readme -DSWIFTC=${SWIFTC_EXECUTABLE}
                 -DSWIFT_BIN_DIR=${SWISH_LIBRARY_DIR} "-DSWIFT_SANITIZE=${SWISH_SWIFT_SANITIZE}"
                 -DMODULE_MAP=${CMAKE_CURRENT_SOURCE_DIR}/Sources/COpenBLAS/module.modulemap|${CMAKE_CURRENT_SOURCE_DIR}/Sources/_SwishShims/include/module.modulemap
                 "-DOPENBLAS_INCLUDE_DIRS=${_openblas_include_dirs}"
                 "-DOPENBLAS_LIBRARY_DIRS=${_openblas_library_dirs}"
                 -P "${_tests_c}/readme_examples.cmake")

include("${CMAKE_CURRENT_SOURCE_DIR}/tests-c/packaging.cmake")
include("${CMAKE_CURRENT_SOURCE_DIR}/tests-c/tutorial_and_pictures.cmake")
