# The Debian package (CPack): everything in the `flytebox` install component (the three
# programs, the console's files, shell completions) under /usr, its library dependencies
# worked out by dpkg-shlibdeps from the programs. Built by scripts/build-packages.sh:
#   cpack --config build/CPackConfig.cmake -B build/packages
# Reproducible when SOURCE_DATE_EPOCH is set (file times and the archive's).
# cpack (and `ninja install`) install what is built; they do not build every target first
# (the tests): scripts/build-packages.sh builds the three programs before.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
set(CPACK_PACKAGE_NAME flytebox)
set(CPACK_PACKAGE_VENDOR "Flytebox")
set(CPACK_PACKAGE_CONTACT "Flytebox developers <flytebox@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "A local Flyte cluster in one command")
set(CPACK_PACKAGE_DESCRIPTION
    "flytebox demo start gives a working Flyte control plane and data plane (FlyteAdmin-\
compatible gRPC and REST on one port, compiler, executor, cache, scheduler, web console) \
natively or in one docker/podman container. Tasks run with the python3 on PATH, which \
needs flytekit (pip install flytekit).")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
set(CPACK_COMPONENTS_ALL flytebox)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3, ca-certificates")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "docker.io | podman")
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/packages")
include(CPack)
