/*
 * sys/types.h - minios freestanding libc: ssize_t and friends.
 */
#ifndef _MINIOS_SYS_TYPES_H
#define _MINIOS_SYS_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef long ssize_t;
typedef long off_t;
typedef long time_t;
typedef long suseconds_t;

#endif
