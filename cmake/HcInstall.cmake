# What `cmake --install` puts where, and the Debian package `cpack -G DEB` builds from it.
#
# The programs go to bin/, their man pages to share/man/man1/ (so `man hcload` works once
# installed), the shell completions where bash-completion, zsh and fish look for them, and the
# guides to share/doc/hc/. Every program is one static binary over common/, so the package's
# dependencies are only the shared libraries the binaries link (libcurl, libssl, libnghttp2, sqlite3, jansson, ...),
# which dpkg-shlibdeps reads off the binaries themselves: they cannot drift from the link lines.
include(GNUInstallDirs)

set(_hc_programs hcload hcwarm hcmon hcserver)
foreach(_p IN LISTS _hc_programs)
    if(TARGET ${_p})
        install(TARGETS ${_p} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
    endif()
    install(FILES docs/man/${_p}.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
    install(FILES completions/${_p}.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME ${_p})
    install(FILES completions/_${_p} DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
    install(FILES completions/${_p}.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
endforeach()
file(GLOB _hc_guides CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES README.md ${_hc_guides} DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_PACKAGE_NAME hc)
set(CPACK_PACKAGE_VENDOR "hc")
set(CPACK_PACKAGE_CONTACT "hc maintainers <hc@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "load testing, cache warm-up, monitoring and a reference order service")
set(CPACK_PACKAGE_DESCRIPTION
    "hcload: concurrent HTTP load with exact latency histograms and a CI gate; hcwarm: \
pre-event warm-up of caches and services; hcmon: a terminal dashboard over Prometheus \
endpoints, Redis and MySQL; hcserver: a reference order service showing the patterns of \
high-concurrency design.")
set(CPACK_PACKAGE_INSTALL_DIRECTORY hc)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "redis-server, memcached, mariadb-server, nginx")
set(CPACK_GENERATOR DEB)
include(CPack)
