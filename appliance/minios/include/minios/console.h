/*
 * console.h - minios console: output to the Xen console ring.
 * Not here: console input.
 */
#ifndef MINIOS_CONSOLE_H
#define MINIOS_CONSOLE_H

#include <stddef.h>
#include <stdarg.h>

/* Find the ring from start_info. Usable right after entry. */
void console_init(void);
/* Write n bytes; waits for ring space (spinning with SCHEDOP_yield). */
void console_write(const char *s, size_t n);
/* From now on: also copy output to the hypervisor's console_io (debug
 * Xen builds show it in `xl dmesg`) and never wait forever for space. */
void console_panic_mode(void);
/* Wait (bounded, yielding the vCPU) until xenconsoled has read
 * everything: called before the domain shuts down. */
void console_flush(void);
int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintk(const char *fmt, va_list ap);

#endif /* MINIOS_CONSOLE_H */
