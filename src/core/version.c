/*
 * version.c -- the version of the library as built, for programs that
 * check at start-up that the library they run with is the one whose
 * header they were compiled against (the CLI's playfast-fetch does).
 */
#include "playfast.h"

const char *pf_version(void)
{
    return PF_VERSION;
}
