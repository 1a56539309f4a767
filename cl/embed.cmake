# cmake -DIN=file.cl -DOUT=file.c -DNAME=family -P embed.cmake
# Writes the file as a NUL-terminated byte array (C11 guarantees only short string literals).
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR len "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n" bytes "${bytes}")
file(WRITE ${OUT} "/* generated from ${NAME}.cl */\n#include <stddef.h>\nconst unsigned char clgan_cl_${NAME}[] = {\n${bytes}0x00};\nconst size_t clgan_cl_${NAME}_len = ${len};\n")
