/*
 * printf.c - minios freestanding libc: vsnprintf and its wrappers.
 *
 * Conversions: d i u x X o c s p %, flags - 0 + space #, width and
 * precision (also *), length modifiers hh h l ll z j t. printf and
 * friends write to the console through hyp_console_write().
 * Not here: floating point (%f %e %g print "?"), %n, positional args.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <rumpnet/hyper.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	int left, zero, plus, space, alt;
	int width, prec;
};

static void emit_num(struct out *o, uint64_t v, int neg, unsigned base,
		     int upper, const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len, zeros = 0;
	const char *prefix = "";

	if (v == 0 && sp->prec == 0)
		n = 0;
	else
		do {
			tmp[n++] = digits[v % base];
			v /= base;
		} while (v);
	if (neg)
		prefix = "-";
	else if (sp->plus)
		prefix = "+";
	else if (sp->space)
		prefix = " ";
	if (sp->alt && base == 16 && n)
		prefix = upper ? "0X" : "0x";
	if (sp->alt && base == 8)
		zeros = 1;
	if (sp->prec > n)
		zeros = sp->prec - n;
	len = (int)strlen(prefix) + zeros + n;
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > len) {
		zeros += sp->width - len;
		len = sp->width;
	}
	if (!sp->left)
		pad(o, ' ', sp->width - len);
	while (*prefix)
		put(o, *prefix++);
	pad(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (sp->left)
		pad(o, ' ', sp->width - len);
}

static void emit_str(struct out *o, const char *s, const struct spec *sp)
{
	int n, i;

	if (!s)
		s = "(null)";
	n = (int)(sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s));
	if (!sp->left)
		pad(o, ' ', sp->width - n);
	for (i = 0; i < n; i++)
		put(o, s[i]);
	if (sp->left)
		pad(o, ' ', sp->width - n);
}

/* Parse flags, width, precision; returns the new fmt position. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	memset(sp, 0, sizeof(*sp));
	sp->prec = -1;
	for (;; f++) {
		if (*f == '-')
			sp->left = 1;
		else if (*f == '0')
			sp->zero = 1;
		else if (*f == '+')
			sp->plus = 1;
		else if (*f == ' ')
			sp->space = 1;
		else if (*f == '#')
			sp->alt = 1;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = 1;
			sp->width = -sp->width;
		}
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			f++;
		}
		while (*f >= '0' && *f <= '9')
			sp->prec = sp->prec * 10 + (*f++ - '0');
	}
	return f;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap0)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	va_list ap;

	va_copy(ap, ap0);
	for (; *fmt; fmt++) {
		int lng = 0; /* 0 int, 1 long, 2 long long, -1 short, -2 char */
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &ap);
		for (;; fmt++) {
			if (*fmt == 'l')
				lng++;
			else if (*fmt == 'h')
				lng--;
			else if (*fmt == 'z' || *fmt == 'j' || *fmt == 't')
				lng = 1;
			else
				break;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			if (lng >= 1)
				s = lng == 1 ? va_arg(ap, long) :
					va_arg(ap, long long);
			else
				s = va_arg(ap, int);
			if (lng == -1)
				s = (short)s;
			else if (lng <= -2)
				s = (signed char)s;
			emit_num(&o, s < 0 ? -(uint64_t)s : (uint64_t)s, s < 0,
				 10, 0, &sp);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (lng >= 1)
				u = lng == 1 ? va_arg(ap, unsigned long) :
					va_arg(ap, unsigned long long);
			else
				u = va_arg(ap, unsigned int);
			if (lng == -1)
				u = (unsigned short)u;
			else if (lng <= -2)
				u = (unsigned char)u;
			emit_num(&o, u, 0, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16,
				 *fmt == 'X', &sp);
			break;
		case 'p':
			sp.alt = 1;
			emit_num(&o, (uintptr_t)va_arg(ap, void *), 0, 16, 0, &sp);
			break;
		case 'c':
			pad(&o, ' ', sp.left ? 0 : sp.width - 1);
			put(&o, (char)va_arg(ap, int));
			pad(&o, ' ', sp.left ? sp.width - 1 : 0);
			break;
		case 's':
			emit_str(&o, va_arg(ap, const char *), &sp);
			break;
		case 'f':
		case 'e':
		case 'g':
			(void)va_arg(ap, double);
			put(&o, '?');
			break;
		case '%':
			put(&o, '%');
			break;
		case 0:
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int vsprintf(char *buf, const char *fmt, va_list ap)
{
	return vsnprintf(buf, (size_t)-1 >> 1, fmt, ap);
}

int sprintf(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsprintf(buf, fmt, ap);
	va_end(ap);
	return n;
}

/* The console streams: any non-NULL FILE * means the console. */
struct minios_file {
	int unused;
};
static struct minios_file console_file;
FILE *const stdout = &console_file;
FILE *const stderr = &console_file;

int vprintf(const char *fmt, va_list ap)
{
	return hyp_vprintf(fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hyp_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	(void)f;
	return hyp_vprintf(fmt, ap);
}

int fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	(void)f;
	va_start(ap, fmt);
	n = hyp_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	hyp_console_write(s, strlen(s));
	hyp_console_write("\n", 1);
	return 0;
}

int putchar(int c)
{
	char ch = (char)c;

	hyp_console_write(&ch, 1);
	return c;
}

int fflush(FILE *f)
{
	(void)f;
	return 0;
}
