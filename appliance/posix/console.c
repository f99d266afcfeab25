/*
 * console.c - console output of the POSIX platform: stderr, unbuffered.
 *
 * hyp_printf formats into a stack buffer and writes it with one write(2)
 * so lines from different threads do not interleave (up to 1 KiB).
 * Not here: console input.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "posix_impl.h"

void posix_console_raw(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(2, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

void hyp_console_write(const char *s, size_t n)
{
	posix_console_raw(s, n);
}

int hyp_vprintf(const char *fmt, va_list ap)
{
	char buf[1024];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n < 0)
		return n;
	posix_console_raw(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}

int hyp_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hyp_vprintf(fmt, ap);
	va_end(ap);
	return n;
}
