# header_docs_selftest: checks that each rule of header_docs can fail. Runs the header_docs program on
# damaged copies of include/swish.h and expects it to fail and name the damaged function each time.
#   cmake -DHEADER_DOCS=<header_docs program> -DHEADER=include/swish.h -DWORK_DIR=... -P header_docs_selftest.cmake
cmake_minimum_required(VERSION 3.20)
foreach(var HEADER_DOCS HEADER WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "header_docs_selftest.cmake needs -D${var}=...")
  endif()
endforeach()
file(READ "${HEADER}" original)
file(MAKE_DIRECTORY "${WORK_DIR}")
set(closing "#ifdef __cplusplus\n} /* extern \"C\" */")
string(FIND "${original}" "${closing}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${HEADER} does not end with the closing of extern \"C\" this test inserts before")
endif()

# damage(NAME TEXT FUNCTION REASON): header_docs on the header with TEXT inserted before the closing of
# extern "C" must fail and report FUNCTION with REASON.
function(damage name text function reason)
  set(expected "${function} \\(line [0-9]+\\): ${reason}")
  string(REPLACE "${closing}" "${text}\n${closing}" damaged "${original}")
  set(copy "${WORK_DIR}/${name}.h")
  file(WRITE "${copy}" "${damaged}")
  execute_process(COMMAND "${HEADER_DOCS}" "${copy}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(rc EQUAL 0 OR NOT out MATCHES "${expected}")
    message(FATAL_ERROR "header_docs did not catch ${name} (exit ${rc}; expected \"${expected}\"):\n${out}")
  endif()
  message(STATUS "${name}: caught (${function}: ${reason})")
endfunction()

damage(undocumented "int swish_selftest_a(void);\n"
       swish_selftest_a "has no doc comment")
damage(plain_comment "/* not a doc comment */\nint swish_selftest_b(void);\n"
       swish_selftest_b "has no doc comment")
damage(shared_comment "/** Documents the first only. */\nint swish_selftest_c(void);\nint swish_selftest_d(void);\n"
       swish_selftest_d "has no doc comment")
damage(empty_comment "/** */\nint swish_selftest_e(void);\n"
       swish_selftest_e "has an empty doc comment")
damage(string_owner "/** A name. */\nconst char *swish_selftest_f(void);\n"
       swish_selftest_f "returns a pointer but does not say who owns it")
damage(string_thread "/** A name, owned by the library, valid until the next call. */\nconst char *swish_selftest_g(void);\n"
       swish_selftest_g "is valid until the next call but does not say on which thread")

# The per-thread rule, on the real declarations: without the word "thread" they must fail.
string(REPLACE "thread" "strand" damaged "${original}")
file(WRITE "${WORK_DIR}/no_thread.h" "${damaged}")
execute_process(COMMAND "${HEADER_DOCS}" "${WORK_DIR}/no_thread.h" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(rc EQUAL 0 OR NOT out MATCHES "swish_last_error \\(line [0-9]+\\): uses per-thread state")
  message(FATAL_ERROR "header_docs did not catch docs that no longer mention threads (exit ${rc}):\n${out}")
endif()
message(STATUS "no_thread: caught")

# And the real header passes.
execute_process(COMMAND "${HEADER_DOCS}" "${HEADER}" RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "header_docs fails on ${HEADER} itself:\n${out}")
endif()
message(STATUS "header_docs_selftest: every rule caught its damage; ${out}")
