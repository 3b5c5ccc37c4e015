# Compares the functions include/swish.h declares with the swish_ symbols libswish.so exports, in both
# directions, and fails with the list of differences. Run by the header_exports ctest:
#   cmake -DHEADER=... -DLIBRARY=... -DC_COMPILER=... -DNM=... -P check_exports.cmake
cmake_minimum_required(VERSION 3.20)
foreach(var HEADER LIBRARY C_COMPILER NM)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_exports.cmake needs -D${var}=...")
  endif()
endforeach()

# Declared: every identifier swish_... directly followed by '(' in the preprocessed header (comments and
# macros gone). A function-pointer typedef reads "(*swish_name)(", with ")" after the name, and its return
# type "swish_status (*": neither is taken.
execute_process(
  COMMAND "${C_COMPILER}" -E -P -x c "${HEADER}"
  OUTPUT_VARIABLE preprocessed
  ERROR_VARIABLE errors
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "preprocessing ${HEADER} failed:\n${errors}")
endif()
string(REGEX REPLACE "[\n\t\r]" " " preprocessed "${preprocessed}")
string(REGEX MATCHALL "[^A-Za-z0-9_]swish_[A-Za-z0-9_]+ *\\( *[^* ]" calls "${preprocessed}")
set(declared "")
foreach(c IN LISTS calls)
  string(REGEX REPLACE "^.(swish_[A-Za-z0-9_]+).*$" "\\1" name "${c}")
  list(APPEND declared "${name}")
endforeach()
list(REMOVE_DUPLICATES declared)
list(SORT declared)

# Exported: defined dynamic symbols named swish_...
execute_process(
  COMMAND "${NM}" -D --defined-only "${LIBRARY}"
  OUTPUT_VARIABLE symbols
  ERROR_VARIABLE errors
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm -D ${LIBRARY} failed:\n${errors}")
endif()
string(REGEX MATCHALL "[ \t][A-Za-z] swish_[A-Za-z0-9_]+" lines "${symbols}")
set(exported "")
foreach(l IN LISTS lines)
  string(REGEX REPLACE "^.* (swish_[A-Za-z0-9_]+)$" "\\1" name "${l}")
  list(APPEND exported "${name}")
endforeach()
list(REMOVE_DUPLICATES exported)
list(SORT exported)

list(LENGTH declared n_declared)
list(LENGTH exported n_exported)
if(n_declared EQUAL 0 OR n_exported EQUAL 0)
  message(FATAL_ERROR "found ${n_declared} declared and ${n_exported} exported functions; the parsing is broken")
endif()

set(missing ${declared})
list(REMOVE_ITEM missing ${exported})
set(undeclared ${exported})
list(REMOVE_ITEM undeclared ${declared})
if(missing OR undeclared)
  list(JOIN missing "\n  " missing_text)
  list(JOIN undeclared "\n  " undeclared_text)
  message(FATAL_ERROR
    "include/swish.h and libswish.so disagree.\n"
    "Declared in the header but not exported by the library:\n  ${missing_text}\n"
    "Exported by the library but not declared in the header:\n  ${undeclared_text}\n")
endif()
message(STATUS "header_exports: the ${n_declared} functions declared in swish.h are exactly the swish_ symbols libswish.so exports")
