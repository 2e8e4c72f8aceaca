# `cmake --install` and `cpack -G DEB`: the tool, the shared and static
# libraries, the public headers, a CMake package (find_package(rnnkit)) and a
# pkg-config file.
include(CMakePackageConfigHelpers)

# The installed tool and library keep OpenBLAS's OpenMP build, as the build
# tree's do, whichever BLAS the system's alternatives point to.
get_filename_component(RNNKIT_BLAS_DIR ${CBLAS_LIBRARY} DIRECTORY)
set_target_properties(rnnkit_cli rnnkit_shared PROPERTIES INSTALL_RPATH ${RNNKIT_BLAS_DIR})

install(TARGETS rnnkit_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS rnnkit_shared EXPORT rnnkitTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS rnnkit ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/rnnkit DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(RNNKIT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/rnnkit)
install(EXPORT rnnkitTargets NAMESPACE rnnkit:: DESTINATION ${RNNKIT_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/rnnkitConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/rnnkitConfig.cmake
                              INSTALL_DESTINATION ${RNNKIT_CMAKE_DIR})
# Before 1.0, a minor version may break what the one before it offered.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/rnnkitConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/rnnkitConfig.cmake ${PROJECT_BINARY_DIR}/rnnkitConfigVersion.cmake
        DESTINATION ${RNNKIT_CMAKE_DIR})

# pkg-config: the prefix found from the file's own place, so an install under
# any prefix works; the static library's dependencies in Libs.private.
file(RELATIVE_PATH RNNKIT_PC_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
set(RNNKIT_PC_PRIVATE "-L${RNNKIT_BLAS_DIR} -lopenblas -lsentencepiece -lmecab -lz -fopenmp")
if(RNNKIT_WITH_CUDA)
  string(APPEND RNNKIT_PC_PRIVATE " -L${CUDAToolkit_LIBRARY_DIR} -lcudart_static -ldl -lrt -lpthread")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/rnnkit.pc.in ${PROJECT_BINARY_DIR}/rnnkit.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/rnnkit.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME rnnkit)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "rnnkit developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "recurrent networks for language and numeric series: library and command-line tool")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Runtime dependencies from the linked libraries (dpkg-shlibdeps); the public
# headers include fmt's and nlohmann/json's, which find_package(rnnkit) finds.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-openmp, libfmt-dev, nlohmann-json3-dev")
if(RNNKIT_PYTHON_FOUND)  # the module's interpreter and NumPy
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", python3 (>= ${RNNKIT_PYTHON_VERSION}), python3-numpy")
endif()
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "pkg-config")
include(CPack)
