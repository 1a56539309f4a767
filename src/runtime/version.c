/* version.c - the library's version string (clgan_version, clgan.h). */
#include "clgan.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

const char *clgan_version(void)
{
    return STR(CLGAN_VERSION_MAJOR) "." STR(CLGAN_VERSION_MINOR) "." STR(CLGAN_VERSION_PATCH);
}
