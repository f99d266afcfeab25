/*
 * stdio.h - minios freestanding libc: formatted output to strings and
 * to the console. FILE exists only so stdout/stderr/fprintf/fflush
 * compile; every stream is the console.
 * Not here: input, files, floating-point conversions (%f prints "?").
 */
#ifndef _MINIOS_STDIO_H
#define _MINIOS_STDIO_H

#include <stdarg.h>
#include <stddef.h>

typedef struct minios_file FILE;
extern FILE *const stdout;
extern FILE *const stderr;

#ifndef EOF
#define EOF (-1)
#endif

#define _MINIOS_PF(f, a) __attribute__((format(printf, f, a)))

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) _MINIOS_PF(3, 4);
int vsprintf(char *buf, const char *fmt, va_list ap);
int sprintf(char *buf, const char *fmt, ...) _MINIOS_PF(2, 3);
int vprintf(const char *fmt, va_list ap);
int printf(const char *fmt, ...) _MINIOS_PF(1, 2);
int vfprintf(FILE *f, const char *fmt, va_list ap);
int fprintf(FILE *f, const char *fmt, ...) _MINIOS_PF(2, 3);
int sscanf(const char *str, const char *fmt, ...)
	__attribute__((format(scanf, 2, 3)));
int vsscanf(const char *str, const char *fmt, va_list ap);
int puts(const char *s);
int putchar(int c);
int fflush(FILE *f);

#endif
