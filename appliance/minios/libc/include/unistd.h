/*
 * unistd.h - minios freestanding libc: only the types (ssize_t, off_t)
 * that code expects from here. Not here: any system call.
 */
#ifndef _MINIOS_UNISTD_H
#define _MINIOS_UNISTD_H

#include <sys/types.h>

#endif
