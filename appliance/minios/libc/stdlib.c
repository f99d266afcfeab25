/*
 * stdlib.c - minios freestanding libc: stdlib.h on top of hyper.h
 * (malloc family -> hyp_malloc, abort -> hyp_panic, exit -> hyp_exit),
 * number parsing, qsort (insertion sort: small arrays only), rand, and
 * the assert() failure hook and time().
 * Not here: getenv, atexit, floating point.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <rumpnet/hyper.h>

void *malloc(size_t size) { return hyp_malloc(size); }
void *calloc(size_t n, size_t size) { return hyp_calloc(n, size); }
void free(void *p) { hyp_free(p); }

void *aligned_alloc(size_t align, size_t size)
{
	return hyp_memalign(align < 16 ? 16 : align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	void *p = aligned_alloc(align, size);

	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

/* Size of a block from hyp_malloc (minios/malloc.c). */
size_t minios_malloc_usable_size(void *p);

void *realloc(void *p, size_t size)
{
	size_t old;
	void *n;

	if (!p)
		return malloc(size);
	if (!size) {
		free(p);
		return NULL;
	}
	old = minios_malloc_usable_size(p);
	if (size <= old)
		return p;
	n = malloc(size);
	if (!n)
		return NULL;
	memcpy(n, p, old);
	free(p);
	return n;
}

void abort(void)
{
	hyp_panic("abort() called");
}

void exit(int status)
{
	hyp_exit(HYP_EXIT_POWEROFF, status);
}

void __assert_fail(const char *expr, const char *file, int line)
{
	hyp_panic("assertion '%s' failed at %s:%d", expr, file, line);
}

time_t time(time_t *t)
{
	time_t now = (time_t)(hyp_clock_wall() / 1000000000LL);

	if (t)
		*t = now;
	return now;
}

static unsigned long long parse(const char *s, char **end, int base,
				int *neg, int *overflow)
{
	const char *p = s, *digits;
	unsigned long long v = 0;

	*neg = 0;
	*overflow = 0;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '-' || *p == '+')
		*neg = *p++ == '-';
	if ((base == 0 || base == 16) && p[0] == '0' &&
	    (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2])) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = *p == '0' ? 8 : 10;
	}
	digits = p;
	for (;; p++) {
		int d;

		if (isdigit((unsigned char)*p))
			d = *p - '0';
		else if (isalpha((unsigned char)*p))
			d = tolower((unsigned char)*p) - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		if (v > (ULLONG_MAX - (unsigned)d) / (unsigned)base)
			*overflow = 1;
		v = v * (unsigned)base + (unsigned)d;
	}
	if (end)
		*end = (char *)(p == digits ? s : p);
	return v;
}

long long strtoll(const char *s, char **end, int base)
{
	int neg, ovf;
	unsigned long long v = parse(s, end, base, &neg, &ovf);

	if (ovf || v > (unsigned long long)LLONG_MAX + neg) {
		errno = ERANGE;
		return neg ? LLONG_MIN : LLONG_MAX;
	}
	return neg ? (long long)(0 - v) : (long long)v;
}

unsigned long long strtoull(const char *s, char **end, int base)
{
	int neg, ovf;
	unsigned long long v = parse(s, end, base, &neg, &ovf);

	if (ovf) {
		errno = ERANGE;
		return ULLONG_MAX;
	}
	return neg ? 0 - v : v;
}

long strtol(const char *s, char **end, int base)
{
	return (long)strtoll(s, end, base);
}

unsigned long strtoul(const char *s, char **end, int base)
{
	return (unsigned long)strtoull(s, end, base);
}

int atoi(const char *s) { return (int)strtol(s, NULL, 10); }
long atol(const char *s) { return strtol(s, NULL, 10); }
int abs(int x) { return x < 0 ? -x : x; }
long labs(long x) { return x < 0 ? -x : x; }
long long llabs(long long x) { return x < 0 ? -x : x; }

void qsort(void *base, size_t n, size_t size,
	   int (*cmp)(const void *, const void *))
{
	char *b = base, tmp[64];
	size_t i, j, k;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && cmp(b + (j - 1) * size, b + j * size) > 0;
		     j--)
			for (k = 0; k < size; k += sizeof(tmp)) {
				size_t c = size - k < sizeof(tmp) ?
					size - k : sizeof(tmp);

				memcpy(tmp, b + j * size + k, c);
				memcpy(b + j * size + k, b + (j - 1) * size + k, c);
				memcpy(b + (j - 1) * size + k, tmp, c);
			}
}

static unsigned long long rand_state = 88172645463325252ULL;

int rand(void)
{
	rand_state ^= rand_state << 13;
	rand_state ^= rand_state >> 7;
	rand_state ^= rand_state << 17;
	return (int)(rand_state & RAND_MAX);
}

void srand(unsigned int seed)
{
	rand_state = seed ? seed : 88172645463325252ULL;
}
