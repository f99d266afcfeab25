/*
 * checks_none.c - platform checks for platforms without extra ones
 * (posix): nothing to do.
 */
#include "selftest.h"

void st_checks_platform(void)
{
}
