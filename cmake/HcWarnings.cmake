# Strict warnings for all of hc's own code (STYLE.md); -Werror when HC_WERROR is on (CI).
add_compile_options(
    -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wformat=2 -Wvla -Wno-format-nonliteral)
if(HC_WERROR)
    add_compile_options(-Werror)
endif()
