/*
 * exit.h - minios shutdown and panic.
 * Not here: suspend/resume.
 */
#ifndef MINIOS_EXIT_H
#define MINIOS_EXIT_H

/* SCHEDOP_shutdown with reason (SHUTDOWN_poweroff/reboot/crash). */
void minios_shutdown(unsigned int reason) __attribute__((noreturn));
/* Print "rumpnet: PANIC: ..." and a backtrace, then crash. */
void minios_panic(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

#define ASSERT(c) do { if (!(c)) \
	minios_panic("assertion '%s' failed at %s:%d", #c, __FILE__, \
		     __LINE__); } while (0)

#endif /* MINIOS_EXIT_H */
