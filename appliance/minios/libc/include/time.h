/*
 * time.h - minios freestanding libc: time_t, struct timespec, time().
 * Not here: calendar conversion (gmtime, strftime).
 */
#ifndef _MINIOS_TIME_H
#define _MINIOS_TIME_H

#include <sys/types.h>

struct timespec {
	time_t tv_sec;
	long tv_nsec;
};

time_t time(time_t *t);

#endif
