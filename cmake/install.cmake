# install.cmake: what `cmake --install` puts under the prefix (library,
# headers, CLI, pkg-config file, CMake package config).
install(TARGETS regensim regensim_cli EXPORT regensimTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/regensim DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/regensim/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/regensim)
