# cmake/HcEmbed.cmake: turns a text file into a C array, for files a program carries inside its
# binary (hcload's report page script and style). Run as a script:
#   cmake -DIN=file.js -DOUT=out.c -DNAME=symbol -P HcEmbed.cmake
# It writes `const unsigned char NAME[]` (the bytes, then a NUL) and `const size_t NAME_len`.
file(READ "${IN}" _hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," _bytes "${_hex}")
# Twenty bytes a line, so the generated file reads in an editor.
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){20})" "\\1\n    " _bytes "${_bytes}")
get_filename_component(_name "${IN}" NAME)
file(WRITE "${OUT}.tmp"
    "/* Generated from ${_name} by cmake/HcEmbed.cmake: do not edit. */\n"
    "#include <stddef.h>\n"
    "extern const unsigned char ${NAME}[];\n"
    "extern const size_t ${NAME}_len;\n"
    "const unsigned char ${NAME}[] = {\n    ${_bytes}0x00};\n"
    "const size_t ${NAME}_len = sizeof(${NAME}) - 1;\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
