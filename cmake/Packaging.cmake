# Debian packages (CPack DEB), one per install component (cmake/Install.cmake):
#   maskinporten                 the CLI (with `serve`), man pages, systemd units, docs
#   libmaskinporten<SOVERSION>   the shared libraries
#   libmaskinporten-dev          headers, static archives, CMake package, pkg-config files
# `make package` builds them into build/<preset>/packages/; tests/packaging/package_test.sh checks
# them. Run-time dependencies are computed by dpkg-shlibdeps, not listed here.
set(MASKINPORTEN_DEB_RUNTIME "libmaskinporten${MASKINPORTEN_SOVERSION}")

# Debian's Maintainer field wants "name <address>". The repository names no contact address (no
# URL or e-mail in README.md or docs/), so the address stays in the reserved .invalid domain
# until the project has one; the name is the project's.
set(CPACK_PACKAGE_CONTACT "maskinporten-cpp developers <developers@maskinporten-cpp.invalid>")

# Per-package files Debian wants (copyright, changelog); only in per-component installs (CPack),
# not in a plain `cmake --install`.
string(TIMESTAMP mp_changelog_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
file(WRITE "${PROJECT_BINARY_DIR}/debian/changelog.Debian"
     "maskinporten (${PROJECT_VERSION}-1) unstable; urgency=medium\n\n"
     "  * Built with CPack from the maskinporten-cpp source tree (make package).\n\n"
     " -- ${CPACK_PACKAGE_CONTACT}  ${mp_changelog_date}\n")
execute_process(COMMAND gzip -9nf "${PROJECT_BINARY_DIR}/debian/changelog.Debian")
foreach(pair "cli;maskinporten" "runtime;${MASKINPORTEN_DEB_RUNTIME}" "dev;libmaskinporten-dev")
  list(GET pair 0 comp)
  list(GET pair 1 pkg)
  install(FILES "${PROJECT_SOURCE_DIR}/packaging/debian/copyright"
                "${PROJECT_BINARY_DIR}/debian/changelog.Debian.gz"
          DESTINATION "${CMAKE_INSTALL_DATAROOTDIR}/doc/${pkg}" COMPONENT ${comp} EXCLUDE_FROM_ALL)
endforeach()

set(CPACK_PACKAGE_NAME maskinporten)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "maskinporten-cpp")
# The synopsis of all three packages (CPack 3.25 has none per component); must not start with
# a package name (lintian).
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "toolkit for Norway's Maskinporten (machine-to-machine OAuth2)")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/packages")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
# Install-time CMAKE_INSTALL_PREFIX is /usr (DESTDIR the staging root), so the units name
# /usr/bin/maskinporten (Install.cmake).
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL cli runtime dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The libraries of libmaskinporten<N> need each other: dpkg-shlibdeps finds them in the build tree.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "${PROJECT_BINARY_DIR}/src")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_CLI_PACKAGE_NAME maskinporten)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION net)
set(CPACK_DEBIAN_CLI_DESCRIPTION "The maskinporten command: keys, JWT grants and access tokens for Maskinporten,\n\
enterprise certificates (virksomhetssertifikat), access-token validation, and\n\
`maskinporten serve`, a local emulator of Maskinporten TEST, with the systemd\n\
unit maskinporten-serve.service.")

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME "${MASKINPORTEN_DEB_RUNTIME}")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY "=")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA "${PROJECT_SOURCE_DIR}/packaging/debian/triggers")
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "libmaskinporten-{core,jose,pki,grant,client,validate,emulator,agent}.so: JWT\n\
grants and access tokens for Maskinporten, access-token and consent\n\
validation, an embeddable local Maskinporten and an embeddable token agent.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libmaskinporten-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
# A -dev package names the -dev packages its static archives and CMake package need.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "${MASKINPORTEN_DEB_RUNTIME} (= ${PROJECT_VERSION}-1), libssl-dev (>= 3.0), libcurl4-openssl-dev | libcurl-dev, libsqlite3-dev, libhiredis-dev, libpq-dev, pkg-config")
set(CPACK_DEBIAN_DEV_DESCRIPTION "Headers, static archives, the CMake package (find_package(maskinporten\n\
COMPONENTS client)) and pkg-config files (maskinporten-client, one per\n\
component).")

include(CPack)
