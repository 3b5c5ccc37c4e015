# Tests of the tutorial and of the pictures (included by tests-c/tests.cmake). Both run Python 3 scripts
# that need nothing beyond its standard library:
#   docs_tutorial: docs/tutorial.md is exactly what scripts/tutorial.py builds now from docs/tutorial.md.in,
#       the marked regions of the examples and Swift tests, and what the C examples of this build print;
#   svg_check: the charts 04_activation_functions and train_mnist (2 epochs) draw now, and the committed
#       ones in docs/images/, parse as SVG and show the expected labelled series (tests-c/svg_check.py,
#       which also shows on damaged copies that its checks fail when they should).
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  add_test(NAME docs_tutorial
           COMMAND "${Python3_EXECUTABLE}" "${CMAKE_CURRENT_SOURCE_DIR}/scripts/tutorial.py" --check
                   --bin-dir "${CMAKE_CURRENT_BINARY_DIR}")
  add_test(NAME svg_check
           COMMAND "${Python3_EXECUTABLE}" "${CMAKE_CURRENT_SOURCE_DIR}/tests-c/svg_check.py"
                   --bin-dir "${CMAKE_CURRENT_BINARY_DIR}" --work-dir "${CMAKE_CURRENT_BINARY_DIR}/svg-check"
                   --images "${CMAKE_CURRENT_SOURCE_DIR}/docs/images")
  set_tests_properties(svg_check PROPERTIES TIMEOUT 900)
else()
  # Without Python the two tests exist and fail, saying why, rather than vanish from the count.
  message(WARNING "python3 not found: the docs_tutorial and svg_check tests will fail")
  foreach(_name docs_tutorial svg_check)
    add_test(NAME ${_name} COMMAND "${CMAKE_COMMAND}" -E echo "${_name} needs python3, which CMake did not find")
    set_tests_properties(${_name} PROPERTIES FAIL_REGULAR_EXPRESSION "needs python3")
  endforeach()
endif()
