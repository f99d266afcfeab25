/*
 * sys/time.h - minios freestanding libc: struct timeval.
 */
#ifndef _MINIOS_SYS_TIME_H
#define _MINIOS_SYS_TIME_H

#include <sys/types.h>

struct timeval {
	time_t tv_sec;
	suseconds_t tv_usec;
};

#endif
