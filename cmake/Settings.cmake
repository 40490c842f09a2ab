# Compiler settings shared by every Flytebox target: link `flytebox_settings`.
option(FLYTEBOX_WERROR "Treat warnings as errors (on in CI)" OFF)
set(FLYTEBOX_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. address,undefined")

add_library(flytebox_settings INTERFACE)
target_compile_features(flytebox_settings INTERFACE cxx_std_20)
target_compile_options(flytebox_settings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<BOOL:${FLYTEBOX_WERROR}>:-Werror>)
target_compile_definitions(flytebox_settings INTERFACE
  $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>)
target_include_directories(flytebox_settings INTERFACE "${PROJECT_SOURCE_DIR}")
if(FLYTEBOX_SANITIZE)
  target_compile_options(flytebox_settings INTERFACE
    -fsanitize=${FLYTEBOX_SANITIZE} -fno-omit-frame-pointer)
  target_link_options(flytebox_settings INTERFACE -fsanitize=${FLYTEBOX_SANITIZE})
endif()

# ccache when present and no launcher was chosen (pip's wheel builds configure their own
# build tree; scripts/build.sh passes the launcher explicitly).
option(FLYTEBOX_CCACHE "Compile through ccache when it is installed" ON)
if(FLYTEBOX_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  find_program(FLYTEBOX_CCACHE_PROGRAM ccache)
  if(FLYTEBOX_CCACHE_PROGRAM)
    # Paths relative to the tree and no working directory in the hash: a clone elsewhere
    # (CI's fresh clone) reuses what another checkout of the same sources compiled.
    set(FLYTEBOX_CCACHE_LAUNCHER env "CCACHE_BASEDIR=${PROJECT_SOURCE_DIR}" CCACHE_NOHASHDIR=1
        "${FLYTEBOX_CCACHE_PROGRAM}")
    set(CMAKE_CXX_COMPILER_LAUNCHER ${FLYTEBOX_CCACHE_LAUNCHER})
    set(CMAKE_C_COMPILER_LAUNCHER ${FLYTEBOX_CCACHE_LAUNCHER})
  endif()
endif()
