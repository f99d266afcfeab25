/*
 * checks_mem.c - self-test of the allocator: random malloc/free stress
 * with pattern verification, alignment of hyp_memalign, calloc zeroing
 * and overflow, out-of-memory returning NULL and being counted, taking
 * (up to 64 MiB of) the whole heap and writing every page of it, and the
 * final memory-used report.
 */
#include <stdint.h>
#include <string.h>
#include <rumpnet/hyper.h>
#include "selftest.h"

#define SLOTS 64
#define ROUNDS 4000

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245 + 12345;
	return rnd_state >> 8;
}

struct slot {
	unsigned char *p;
	size_t len;
	unsigned char fill;
};

static int verify(const struct slot *s)
{
	size_t i;

	for (i = 0; i < s->len; i++)
		if (s->p[i] != s->fill)
			return 0;
	return 1;
}

static void check_stress(void)
{
	static struct slot slots[SLOTS];
	struct hyp_mem_stats before, after;
	int i, bad = 0, allocs = 0;

	hyp_mem_stats(&before);
	for (i = 0; i < ROUNDS && !bad; i++) {
		struct slot *s = &slots[rnd() % SLOTS];

		if (s->p) {
			bad |= !verify(s);
			hyp_free(s->p);
			s->p = NULL;
			continue;
		}
		s->len = (rnd() % 4 == 0) ? rnd() % 20000 + 1 : rnd() % 600 + 1;
		s->fill = (unsigned char)rnd();
		s->p = (rnd() % 8 == 0) ? hyp_memalign(4096, s->len) :
			hyp_malloc(s->len);
		if (!s->p) {
			bad = 2;
			break;
		}
		allocs++;
		if (((uintptr_t)s->p & 15) != 0)
			bad = 3;
		memset(s->p, s->fill, s->len);
	}
	for (i = 0; i < SLOTS; i++) {
		if (slots[i].p) {
			bad |= !verify(&slots[i]);
			hyp_free(slots[i].p);
			slots[i].p = NULL;
		}
	}
	hyp_mem_stats(&after);
	st_report("alloc_stress", !bad && after.used == before.used,
		  "allocs=%d bad=%d used_before=%llu used_after=%llu", allocs,
		  bad, (unsigned long long)before.used,
		  (unsigned long long)after.used);
}

static void check_align(void)
{
	static const size_t aligns[] = { 16, 64, 256, 4096, 16384 };
	unsigned int i;
	int ok = 1;

	for (i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		void *p = hyp_memalign(aligns[i], 100);

		if (!p || ((uintptr_t)p & (aligns[i] - 1)))
			ok = 0;
		hyp_free(p);
	}
	st_report("alloc_align", ok, "aligns=16..16384");
}

static void check_calloc(void)
{
	unsigned char *p = hyp_malloc(3000);
	size_t i;
	int zero = 1;
	void *ovf;

	if (p) {
		memset(p, 0xa5, 3000);
		hyp_free(p);
	}
	p = hyp_calloc(1000, 3);
	for (i = 0; p && i < 3000; i++)
		if (p[i])
			zero = 0;
	hyp_free(p);
	ovf = hyp_calloc((size_t)1 << 62, 16);
	st_report("alloc_calloc", p && zero && !ovf,
		  "zeroed=%d overflow_refused=%d", zero, ovf == NULL);
}

static void check_oom(void)
{
	struct hyp_mem_stats a, b;
	void *p;

	hyp_mem_stats(&a);
	p = hyp_malloc((size_t)1 << 46);
	hyp_mem_stats(&b);
	st_report("alloc_oom", p == NULL && b.failures == a.failures + 1,
		  "null=%d failures=%llu->%llu", p == NULL,
		  (unsigned long long)a.failures,
		  (unsigned long long)b.failures);
	hyp_free(p);
}

#define CHUNK (256 * 1024)
#define CAP (64ULL << 20)

/* Take the heap in 256 KiB chunks until it runs out (or 64 MiB), write
 * every page, read it all back, give it all back. */
static void check_exhaust(void)
{
	struct hyp_mem_stats before, after;
	unsigned char *head = NULL, *p;
	uint64_t n = 0, avail, want;
	size_t i;
	int bad = 0;

	hyp_mem_stats(&before);
	while (n * CHUNK < CAP && (p = hyp_malloc(CHUNK))) {
		*(unsigned char **)p = head;
		head = p;
		for (i = 4096; i < CHUNK; i += 4096)
			p[i] = (unsigned char)(n + i / 4096);
		n++;
	}
	for (p = head; p; p = *(unsigned char **)p, n--)
		for (i = 4096; i < CHUNK; i += 4096)
			if (p[i] != (unsigned char)(n - 1 + i / 4096))
				bad++;
	for (n = 0; head; n++) {
		p = head;
		head = *(unsigned char **)p;
		hyp_free(p);
	}
	hyp_mem_stats(&after);
	avail = before.total - before.used;
	want = avail < CAP ? avail * 8 / 10 : CAP;
	st_report("alloc_exhaust", !bad && n * CHUNK >= want &&
		  after.used == before.used,
		  "got_kib=%llu free_kib=%llu bad_pages=%d",
		  (unsigned long long)(n * CHUNK >> 10),
		  (unsigned long long)(avail >> 10), bad);
}

void st_checks_mem(void)
{
	check_stress();
	check_align();
	check_calloc();
	check_oom();
	check_exhaust();
}

void st_check_memory_used(void)
{
	struct hyp_mem_stats st;

	hyp_mem_stats(&st);
	st_report("memory", st.total > 0 && st.peak >= st.used,
		  "total_kib=%llu used_kib=%llu peak_kib=%llu failures=%llu",
		  (unsigned long long)(st.total >> 10),
		  (unsigned long long)(st.used >> 10),
		  (unsigned long long)(st.peak >> 10),
		  (unsigned long long)st.failures);
}
