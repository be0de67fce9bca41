# Install rules (GNUInstallDirs), in three install components that are also the Debian packages
# (cmake/Packaging.cmake):
#   cli      bin/maskinporten, its man pages, the systemd units, docs   -> maskinporten
#   runtime  the shared libraries (lib*.so.SOVERSION)                   -> libmaskinporten<SOVERSION>
#   dev      headers, static archives, .so links, CMake package, .pc    -> libmaskinporten-dev
include(CMakePackageConfigHelpers)

set(MASKINPORTEN_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/maskinporten"
    CACHE STRING "Where the CMake package goes, relative to the prefix")
# systemd reads units from <prefix>/lib/systemd/system for /usr and /usr/local alike.
set(MASKINPORTEN_SYSTEMD_UNIT_DIR "lib/systemd/system"
    CACHE STRING "Where the systemd units go, relative to the prefix")

# --- the CLI, its man pages, units and docs
install(TARGETS maskinporten RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT cli)

# Units: packaging/systemd/*.service (or *.service.in). @MASKINPORTEN_BIN@ becomes the installed
# binary's path, known only at install time (`--prefix`, or /usr when CPack installs).
file(GLOB mp_units CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/packaging/systemd/*.service"
     "${PROJECT_SOURCE_DIR}/packaging/systemd/*.service.in")
foreach(unit IN LISTS mp_units)
  get_filename_component(unit_name "${unit}" NAME)
  string(REGEX REPLACE "\\.in$" "" unit_name "${unit_name}")
  install(CODE "
    set(MASKINPORTEN_BIN \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/maskinporten\")
    set(unit_out \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${MASKINPORTEN_SYSTEMD_UNIT_DIR}/${unit_name}\")
    message(STATUS \"Installing: \${unit_out}\")
    configure_file(\"${unit}\" \"\${unit_out}\" @ONLY)
    file(CHMOD \"\${unit_out}\" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)"
    COMPONENT cli)
endforeach()

install(FILES "${PROJECT_SOURCE_DIR}/README.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}" COMPONENT cli)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/docs/" DESTINATION "${CMAKE_INSTALL_DOCDIR}"
        COMPONENT cli FILES_MATCHING PATTERN "*.md")

# Man pages: help2man runs the built CLI's --help for itself and each verb, so the pages say
# what the binary says (cmake/ManPages.cmake).
find_program(MASKINPORTEN_HELP2MAN help2man)
if(MASKINPORTEN_MAN_PAGES AND MASKINPORTEN_HELP2MAN)
  set(mp_man_dir "${PROJECT_BINARY_DIR}/man")
  add_custom_command(
    OUTPUT "${mp_man_dir}/maskinporten.1.gz"
    COMMAND "${CMAKE_COMMAND}" "-DCLI=$<TARGET_FILE:maskinporten>" "-DOUT=${mp_man_dir}"
            "-DHELP2MAN=${MASKINPORTEN_HELP2MAN}" "-DVERSION=${PROJECT_VERSION}"
            -P "${PROJECT_SOURCE_DIR}/cmake/ManPages.cmake"
    DEPENDS maskinporten "${PROJECT_SOURCE_DIR}/cmake/ManPages.cmake"
    COMMENT "Generating man pages from maskinporten --help"
    VERBATIM)
  add_custom_target(maskinporten_man ALL DEPENDS "${mp_man_dir}/maskinporten.1.gz")
  install(DIRECTORY "${mp_man_dir}/" DESTINATION "${CMAKE_INSTALL_MANDIR}/man1" COMPONENT cli
          FILES_MATCHING PATTERN "*.1.gz")
elseif(MASKINPORTEN_MAN_PAGES)
  message(STATUS "help2man not found: no man pages (scripts/install-deps.sh installs it)")
endif()

# --- libraries
set(mp_install_targets)
foreach(comp IN LISTS MP_COMPONENTS)
  list(APPEND mp_install_targets ${MP_COMPONENT_STATIC_${comp}})
  if(MASKINPORTEN_BUILD_SHARED)
    list(APPEND mp_install_targets mp_${comp}_shared)
  endif()
endforeach()
install(TARGETS ${mp_install_targets} EXPORT maskinporten-targets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT dev
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT runtime NAMELINK_COMPONENT dev
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/maskinporten" "${MP_GENERATED_INCLUDE}/maskinporten"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}" COMPONENT dev FILES_MATCHING PATTERN "*.h")
install(EXPORT maskinporten-targets NAMESPACE maskinporten::
        DESTINATION "${MASKINPORTEN_CMAKE_DIR}" COMPONENT dev)

# BUILD_SHARED_LIBS at build time decides what maskinporten::<component> means for users of the
# installed package; they may set maskinporten_SHARED_LIBS before find_package to choose.
if(BUILD_SHARED_LIBS AND MASKINPORTEN_BUILD_SHARED)
  set(MASKINPORTEN_DEFAULT_SHARED ON)
else()
  set(MASKINPORTEN_DEFAULT_SHARED OFF)
endif()
set(MASKINPORTEN_COMPONENT_DEPS_LINES "")
foreach(comp IN LISTS MP_COMPONENTS)
  string(APPEND MASKINPORTEN_COMPONENT_DEPS_LINES
         "set(_maskinporten_deps_${comp} \"${MP_COMPONENT_DEPS_${comp}}\")\n")
endforeach()
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/maskinportenConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/maskinportenConfig.cmake" INSTALL_DESTINATION "${MASKINPORTEN_CMAKE_DIR}")
# 0.x: every minor version may break the ABI, as the SOVERSION says; SameMajorVersion from 1.0.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/maskinportenConfigVersion.cmake"
  COMPATIBILITY SameMajorVersion)
install(FILES "${PROJECT_BINARY_DIR}/maskinportenConfig.cmake"
              "${PROJECT_BINARY_DIR}/maskinportenConfigVersion.cmake"
        DESTINATION "${MASKINPORTEN_CMAKE_DIR}" COMPONENT dev)

# pkg-config: maskinporten-<component>.pc; Requires names the components below, Requires.private
# and Libs.private what a static link (pkg-config --static) adds.
set(mp_pc_requires_private_core "libcrypto >= 3.0")
set(mp_pc_requires_private_jose "libcrypto >= 3.0")
set(mp_pc_requires_private_pki "libcrypto >= 3.0")
set(mp_pc_requires_private_grant "libcrypto >= 3.0")
set(mp_pc_requires_private_client "libcurl")
set(mp_pc_requires_private_validate "libcrypto >= 3.0")
set(mp_pc_requires_private_emulator "sqlite3 hiredis libpq libssl >= 3.0 libcrypto >= 3.0")
set(mp_pc_requires_private_agent "libssl >= 3.0 libcrypto >= 3.0")
set(mp_pc_description_core "Maskinporten toolkit: Status, Clock, base64url, org numbers")
set(mp_pc_description_jose "Maskinporten toolkit: JWK, JWS and JWT on OpenSSL")
set(mp_pc_description_pki "Maskinporten toolkit: X.509, enterprise certificates, test CA")
set(mp_pc_description_grant "Maskinporten toolkit: JWT grants (RFC 7523) and their rules")
set(mp_pc_description_client "Maskinporten toolkit: token client and cached token provider")
set(mp_pc_description_validate "Maskinporten toolkit: access-token and consent validation")
set(mp_pc_description_emulator "Maskinporten toolkit: local Maskinporten and example API")
set(mp_pc_description_agent "Maskinporten toolkit: the token agent (a local token sidecar)")
# prefix relative to the .pc file, so a package or `--prefix` elsewhere needs no rewrite.
file(RELATIVE_PATH MP_PC_PREFIX_FROM_PCFILEDIR "/root/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/root")
string(REGEX REPLACE "/$" "" MP_PC_PREFIX_FROM_PCFILEDIR "${MP_PC_PREFIX_FROM_PCFILEDIR}")
foreach(comp IN LISTS MP_COMPONENTS)
  set(MP_PC_NAME "maskinporten-${comp}")
  set(MP_PC_DESCRIPTION "${mp_pc_description_${comp}}")
  list(TRANSFORM MP_COMPONENT_DEPS_${comp} PREPEND "maskinporten-" OUTPUT_VARIABLE reqs)
  list(JOIN reqs ", " MP_PC_REQUIRES)
  set(MP_PC_REQUIRES_PRIVATE "${mp_pc_requires_private_${comp}}")
  configure_file("${PROJECT_SOURCE_DIR}/cmake/maskinporten.pc.in"
                 "${PROJECT_BINARY_DIR}/pkgconfig/maskinporten-${comp}.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/pkgconfig/maskinporten-${comp}.pc"
          DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig" COMPONENT dev)
endforeach()

# Everything `cmake --install` copies, built without the tests: `make install` builds this.
add_custom_target(maskinporten_installables DEPENDS maskinporten ${mp_install_targets})
if(TARGET maskinporten_man)
  add_dependencies(maskinporten_installables maskinporten_man)
endif()
