/*
 * assert.h - minios freestanding libc: assert() panics the appliance.
 */
#ifndef _MINIOS_ASSERT_H
#define _MINIOS_ASSERT_H

#ifdef NDEBUG
#define assert(c) ((void)0)
#else
void __assert_fail(const char *expr, const char *file, int line)
	__attribute__((noreturn));
#define assert(c) ((c) ? (void)0 : __assert_fail(#c, __FILE__, __LINE__))
#endif

#endif
