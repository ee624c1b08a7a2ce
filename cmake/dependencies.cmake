# dependencies.cmake: finds the system libraries regensim builds against
# (Debian 12 package names in scripts/install-deps.sh). HDF5 and MPI
# join as the modules that need them land.
find_package(OpenMP REQUIRED COMPONENTS C)
# Serial HDF5 (+ hdf5_hl for dimension scales): libhdf5-openmpi-dev would
# flip the default to parallel, which regensim neither needs nor wants.
set(HDF5_PREFER_PARALLEL OFF)
find_package(HDF5 REQUIRED COMPONENTS C HL)
if(HDF5_IS_PARALLEL)
  message(FATAL_ERROR "parallel HDF5 found (${HDF5_C_INCLUDE_DIRS}); install libhdf5-dev (serial)")
endif()
find_package(PkgConfig REQUIRED)
pkg_check_modules(FFTW3 REQUIRED IMPORTED_TARGET fftw3)
# Debian ships no fftw3_omp.pc: libfftw3_omp.so sits beside libfftw3.so.
find_library(FFTW3_OMP_LIB fftw3_omp HINTS ${FFTW3_LIBRARY_DIRS} REQUIRED)
pkg_check_modules(YAML REQUIRED IMPORTED_TARGET yaml-0.1)
if(REGENSIM_BUILD_TESTS)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
endif()
# zlib: the snapshot writer deflates chunks itself, on several threads
# (src/io/chunk_deflate.c); Debian's zlib1g-dev comes with libhdf5-dev.
find_package(ZLIB REQUIRED)
