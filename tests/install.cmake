# install.cmake (tests): installing regensim and using the installed copy,
# and the version being defined in one place (project() in CMakeLists.txt).
# Included from tests/CMakeLists.txt.

# What both install tests pass to install_test.sh.
set(_rs_install_args
  "--source-dir=${PROJECT_SOURCE_DIR}"
  "--version=${PROJECT_VERSION}"
  "--cc=${CMAKE_C_COMPILER}"
  "--cmake=${CMAKE_COMMAND}"
  "--generator=${CMAKE_GENERATOR}"
  "--config=$<CONFIG>"
  "--libdir=${CMAKE_INSTALL_LIBDIR}"
  "--bindir=${CMAKE_INSTALL_BINDIR}")

# install_and_use: `cmake --install` into a scratch prefix, then build and run
# examples/ against it with CMake (find_package) and with make (pkg-config),
# and run the installed CLI. Not under sanitizers: the example is built
# without sanitizer flags against a sanitized library.
add_test(NAME install_and_use
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/install_test.sh
    "--build-dir=${PROJECT_BINARY_DIR}"
    ${_rs_install_args}
    "--work-dir=${CMAKE_CURRENT_BINARY_DIR}/install_test")
set_tests_properties(install_and_use PROPERTIES
  LABELS "install;no-sanitize"
  TIMEOUT 600
  # It needs a finished build (ctest does not build); the scratch prefix is
  # its own, but install_manifest.txt in the build dir is shared.
  RESOURCE_LOCK regensim_install)

# install_static_and_use: the same with a static libregensim, built once
# more here (-DBUILD_SHARED_LIBS=OFF, library and CLI only, in
# install_static_test/static-build; about a minute on 2 cores): the CMake
# package must find the static library's dependencies (find_dependency) and
# `pkg-config --static` must list them.
add_test(NAME install_static_and_use
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/install_test.sh
    --static
    ${_rs_install_args}
    "--cmake-arg=-DREGENSIM_WERROR=${REGENSIM_WERROR}"
    "--work-dir=${CMAKE_CURRENT_BINARY_DIR}/install_static_test")
set_tests_properties(install_static_and_use PROPERTIES
  LABELS "install;no-sanitize"
  TIMEOUT 900)

# version_consistency: CITATION.cff, CHANGELOG.md and the CLI agree with
# project(regensim VERSION ...).
add_test(NAME version_consistency
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/version_test.sh
    ${PROJECT_VERSION} ${PROJECT_SOURCE_DIR} $<TARGET_FILE:regensim_cli>)
set_tests_properties(version_consistency PROPERTIES LABELS "version")
