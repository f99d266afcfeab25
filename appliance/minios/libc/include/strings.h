/*
 * strings.h - minios freestanding libc: case-insensitive compares.
 */
#ifndef _MINIOS_STRINGS_H
#define _MINIOS_STRINGS_H

#include <stddef.h>

int strcasecmp(const char *a, const char *b);
int strncasecmp(const char *a, const char *b, size_t n);

#endif
