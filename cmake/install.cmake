# install.cmake: what `cmake --install` puts under the prefix (library,
# headers, CLI, pkg-config file, CMake package config).
#
#   <prefix>/lib/libregensim.so.0.1.0 (+ .so.0, .so)   or libregensim.a
#   <prefix>/include/regensim/*.h                       incl. generated version.h
#   <prefix>/bin/regensim                               runs from any prefix ($ORIGIN rpath)
#   <prefix>/lib/pkgconfig/regensim.pc
#   <prefix>/lib/cmake/regensim/regensim{Config,ConfigVersion,Targets*}.cmake
#
# (lib is CMAKE_INSTALL_LIBDIR; GNUInstallDirs makes it lib/<multiarch> on
# Debian when the prefix is /usr.) Everything is relocatable: the prefix may
# be chosen at install time with `cmake --install <build> --prefix <dir>`.
include(CMakePackageConfigHelpers)

# --- the installed CLI finds the installed library relative to itself -------
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(_rs_rpath "${CMAKE_INSTALL_LIBDIR}")
else()
  file(RELATIVE_PATH _rs_bin_to_lib "${CMAKE_INSTALL_FULL_BINDIR}"
       "${CMAKE_INSTALL_FULL_LIBDIR}")
  if(APPLE)
    set(_rs_rpath "@loader_path/${_rs_bin_to_lib}")
  else()
    set(_rs_rpath "$ORIGIN/${_rs_bin_to_lib}")
  endif()
endif()
set_target_properties(regensim_cli PROPERTIES INSTALL_RPATH "${_rs_rpath}")

# --- targets and headers -----------------------------------------------------
install(TARGETS regensim regensim_cli EXPORT regensimTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/regensim
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/regensim/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/regensim)

# --- what a consumer of a static libregensim must link as well -------------
get_target_property(_rs_type regensim TYPE)
if(_rs_type STREQUAL "STATIC_LIBRARY")
  set(REGENSIM_STATIC ON)
else()
  set(REGENSIM_STATIC OFF)
endif()
get_target_property(_rs_links regensim LINK_LIBRARIES)
set(REGENSIM_PC_LIBS_PRIVATE "")
if(FFTW3_OMP_LIB AND "${FFTW3_OMP_LIB}" IN_LIST _rs_links)
  string(APPEND REGENSIM_PC_LIBS_PRIVATE " -lfftw3_omp")
endif()
if("OpenMP::OpenMP_C" IN_LIST _rs_links)
  string(APPEND REGENSIM_PC_LIBS_PRIVATE " ${OpenMP_C_FLAGS}")
endif()
if("m" IN_LIST _rs_links)
  string(APPEND REGENSIM_PC_LIBS_PRIVATE " -lm")
endif()
string(STRIP "${REGENSIM_PC_LIBS_PRIVATE}" REGENSIM_PC_LIBS_PRIVATE)
set(REGENSIM_PC_REQUIRES_PRIVATE "")
if("PkgConfig::FFTW3" IN_LIST _rs_links)
  set(REGENSIM_PC_REQUIRES_PRIVATE "fftw3")
endif()
if("HDF5::HDF5" IN_LIST _rs_links)
  string(APPEND REGENSIM_PC_REQUIRES_PRIVATE " hdf5")
  string(STRIP "${REGENSIM_PC_REQUIRES_PRIVATE}" REGENSIM_PC_REQUIRES_PRIVATE)
  string(APPEND REGENSIM_PC_LIBS_PRIVATE " -lhdf5_hl")
  string(STRIP "${REGENSIM_PC_LIBS_PRIVATE}" REGENSIM_PC_LIBS_PRIVATE)
endif()
if("PkgConfig::YAML" IN_LIST _rs_links)
  string(APPEND REGENSIM_PC_REQUIRES_PRIVATE " yaml-0.1")
  string(STRIP "${REGENSIM_PC_REQUIRES_PRIVATE}" REGENSIM_PC_REQUIRES_PRIVATE)
endif()
if("ZLIB::ZLIB" IN_LIST _rs_links)
  string(APPEND REGENSIM_PC_REQUIRES_PRIVATE " zlib")
  string(STRIP "${REGENSIM_PC_REQUIRES_PRIVATE}" REGENSIM_PC_REQUIRES_PRIVATE)
endif()

# --- CMake package: find_package(regensim 0.1 REQUIRED) -> regensim::regensim
set(REGENSIM_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/regensim)
install(EXPORT regensimTargets NAMESPACE regensim::
        FILE regensimTargets.cmake DESTINATION ${REGENSIM_CMAKE_DIR})
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/regensimConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/regensimConfig.cmake
  INSTALL_DESTINATION ${REGENSIM_CMAKE_DIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/cmake/regensimConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/regensimConfig.cmake
              ${PROJECT_BINARY_DIR}/cmake/regensimConfigVersion.cmake
        DESTINATION ${REGENSIM_CMAKE_DIR})

# --- pkg-config: regensim.pc --------------------------------------------------
# Configured in two passes so that the prefix is the one used at install
# time (`cmake --install --prefix` overrides CMAKE_INSTALL_PREFIX only then):
# now everything but the prefix, at install time the prefix.
set(REGENSIM_PC_PREFIX "@CMAKE_INSTALL_PREFIX@")
foreach(_rs_dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_rs_dir}}")
    set(REGENSIM_PC_${_rs_dir} "${CMAKE_INSTALL_${_rs_dir}}")
  else()
    set(REGENSIM_PC_${_rs_dir} "\${prefix}/${CMAKE_INSTALL_${_rs_dir}}")
  endif()
endforeach()
configure_file(${PROJECT_SOURCE_DIR}/cmake/regensim.pc.in
               ${PROJECT_BINARY_DIR}/cmake/regensim.pc.in @ONLY)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(_rs_pc_dest "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
else()
  set(_rs_pc_dest "\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig")
endif()
install(CODE "
  set(_rs_pc \"\$ENV{DESTDIR}${_rs_pc_dest}/regensim.pc\")
  message(STATUS \"Installing: \${_rs_pc}\")
  configure_file(\"${PROJECT_BINARY_DIR}/cmake/regensim.pc.in\" \"\${_rs_pc}\" @ONLY)
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${_rs_pc}\")
")

unset(_rs_rpath)
unset(_rs_bin_to_lib)
unset(_rs_type)
unset(_rs_links)
unset(_rs_dir)
unset(_rs_pc_dest)
