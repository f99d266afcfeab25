/*
 * scan.c - minios freestanding libc: sscanf() and bsearch(), as the
 * apps use them (parsing MACs and route specs; the cpio index).
 *
 * sscanf conversions: %d %i %u %x %o %s %c %[...] %n %%, with field
 * widths, the 'h', 'hh', 'l', 'll' and 'z' length modifiers and '*'
 * (assignment suppression). Whitespace in the format skips any amount
 * of input whitespace. Returns the number of assignments, or EOF when
 * the input ended before the first conversion.
 * Not here: floating point, %p, wide characters.
 * (Added by the netfront helper for the Xen apps; see its report.)
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/* Parse an integer of at most width chars; 0 if no digit was read. */
static int scan_int(const char **sp, int base, size_t width,
		    unsigned long long *out, int *neg)
{
	const char *s = *sp;
	unsigned long long v = 0;
	int any = 0;

	*neg = 0;
	if (width && (*s == '-' || *s == '+')) {
		*neg = *s == '-';
		s++;
		width--;
	}
	if (base == 0) {
		base = 10;
		if (width >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
			base = 16;
			s += 2;
			width -= 2;
		} else if (width && s[0] == '0') {
			base = 8;
		}
	} else if (base == 16 && width >= 2 && s[0] == '0' &&
		   (s[1] == 'x' || s[1] == 'X') && digit_value(s[2]) < 16) {
		s += 2;
		width -= 2;
	}
	while (width && digit_value((unsigned char)*s) < base) {
		v = v * (unsigned)base + (unsigned)digit_value((unsigned char)*s);
		s++;
		width--;
		any = 1;
	}
	if (!any)
		return 0;
	*sp = s;
	*out = v;
	return 1;
}

static void store_int(va_list *ap, int len, unsigned long long v, int neg)
{
	if (neg)
		v = (unsigned long long)-(long long)v;
	switch (len) {
	case -2: *va_arg(*ap, char *) = (char)v; break;
	case -1: *va_arg(*ap, short *) = (short)v; break;
	case 1: *va_arg(*ap, long *) = (long)v; break;
	case 2: *va_arg(*ap, long long *) = (long long)v; break;
	default: *va_arg(*ap, int *) = (int)v; break;
	}
}

/* Does c belong to the %[...] set starting at *fp? Advances *fp past
 * the closing ']' through *end. */
static int in_set(const char *f, int c, const char **end)
{
	int negate = 0, match = 0;

	if (*f == '^') {
		negate = 1;
		f++;
	}
	if (*f == ']') {
		match |= c == ']';
		f++;
	}
	for (; *f && *f != ']'; f++) {
		if (f[1] == '-' && f[2] && f[2] != ']') {
			match |= c >= (unsigned char)f[0] && c <= (unsigned char)f[2];
			f += 2;
		} else {
			match |= c == (unsigned char)*f;
		}
	}
	*end = *f ? f + 1 : f;
	return match != negate;
}

static int scan_string(const char **sp, const char **fp, char conv,
		       size_t width, char *dst)
{
	const char *s = *sp, *fend = *fp;
	size_t n = 0;

	if (conv == 'c' && width == SIZE_MAX)
		width = 1;
	while (width && *s) {
		if (conv == 's' && isspace((unsigned char)*s))
			break;
		if (conv == '[' && !in_set(*fp, (unsigned char)*s, &fend))
			break;
		if (dst)
			dst[n] = *s;
		n++;
		s++;
		width--;
	}
	if (conv == '[')
		(void)in_set(*fp, 0, &fend);
	*fp = fend;
	if (n == 0 || (conv == 'c' && width))
		return 0;
	if (dst && conv != 'c')
		dst[n] = '\0';
	*sp = s;
	return 1;
}

int vsscanf(const char *str, const char *fmt, va_list ap0)
{
	const char *s = str, *f = fmt;
	int assigned = 0, converted = 0, eof = 0;
	va_list ap;

	va_copy(ap, ap0);
	while (*f) {
		size_t width = SIZE_MAX;
		int suppress = 0, len = 0;
		char conv;

		if (isspace((unsigned char)*f)) {
			while (isspace((unsigned char)*s))
				s++;
			f++;
			continue;
		}
		if (*f != '%' || f[1] == '%') {
			if (*f == '%')
				f++;
			if (*s != *f) {
				eof = *s == '\0';
				break;
			}
			s++;
			f++;
			continue;
		}
		f++;
		if (*f == '*') {
			suppress = 1;
			f++;
		}
		if (isdigit((unsigned char)*f))
			for (width = 0; isdigit((unsigned char)*f); f++)
				width = width * 10 + (size_t)(*f - '0');
		for (;; f++) {
			if (*f == 'h')
				len--;
			else if (*f == 'l')
				len++;
			else if (*f == 'z')
				len = 1;
			else
				break;
		}
		conv = *f++;
		if (conv == 'n') {
			if (!suppress)
				store_int(&ap, len, (unsigned long long)(s - str), 0);
			continue;
		}
		if (conv != 'c' && conv != '[')
			while (isspace((unsigned char)*s))
				s++;
		if (*s == '\0') {
			eof = 1;
			break;
		}
		if (conv == 's' || conv == 'c' || conv == '[') {
			if (!scan_string(&s, &f, conv, width,
					 suppress ? NULL : va_arg(ap, char *)))
				break;
		} else {
			int base = conv == 'x' || conv == 'X' ? 16 :
				   conv == 'o' ? 8 : conv == 'i' ? 0 : 10;
			unsigned long long v;
			int neg;

			if (conv != 'd' && conv != 'i' && conv != 'u' &&
			    conv != 'x' && conv != 'X' && conv != 'o')
				break;
			if (!scan_int(&s, base, width, &v, &neg))
				break;
			if (!suppress)
				store_int(&ap, len, v, neg);
		}
		converted++;
		if (!suppress)
			assigned++;
	}
	va_end(ap);
	return (converted == 0 && eof) ? EOF : assigned;
}

int sscanf(const char *str, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsscanf(str, fmt, ap);
	va_end(ap);
	return n;
}

void *bsearch(const void *key, const void *base, size_t n, size_t size,
	      int (*cmp)(const void *, const void *))
{
	const char *lo = base;

	while (n > 0) {
		const char *mid = lo + (n / 2) * size;
		int c = cmp(key, mid);

		if (c == 0)
			return (void *)mid;
		if (c > 0) {
			lo = mid + size;
			n -= n / 2 + 1;
		} else {
			n /= 2;
		}
	}
	return NULL;
}
