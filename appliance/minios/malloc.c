/*
 * malloc.c - minios small-object allocator: hyp_malloc, hyp_calloc,
 * hyp_memalign, hyp_free, hyp_mem_stats.
 *
 * Requests up to 2048 bytes come from power-of-two size classes
 * (16..2048); each class carves whole pages into equal chunks, so a
 * chunk is naturally aligned to its size. Larger requests, and
 * alignments above 2048, take whole pages from mm.c. A per-page tag
 * array says what each page holds, so free() needs no headers and
 * catches frees of memory we never handed out. Out of memory returns
 * NULL, is counted, and is reported on the console (rate-limited).
 * Thread context only (not from event handlers).
 * Not here: returning emptied class pages to the page allocator.
 */
#include <minios/os.h>
#include <minios/mm.h>
#include <minios/exit.h>
#include <minios/console.h>
#include <rumpnet/hyper.h>
#include <string.h>

#define MIN_SHIFT 4
#define MAX_SHIFT 11
#define NCLASSES (MAX_SHIFT - MIN_SHIFT + 1)

#define TAG_SMALL (1U << 24)
#define TAG_LARGE (2U << 24)
#define TAG_KIND(t) ((t) & 0xff000000U)
#define TAG_VAL(t) ((t) & 0x00ffffffU)

struct chunk {
	struct chunk *next;
};

static struct chunk *freelist[NCLASSES];
static uint32_t *page_tag;     /* one per pfn of the domain */
static unsigned long tag_pfns;
static struct hyp_mem_stats stats;

void malloc_init(void)
{
	tag_pfns = start_info->nr_pages;
	page_tag = page_alloc(PFN_UP(tag_pfns * sizeof(uint32_t)), 1);
	if (!page_tag)
		minios_panic("no memory for the malloc page tags");
	memset(page_tag, 0, PFN_UP(tag_pfns * sizeof(uint32_t)) * PAGE_SIZE);
	stats.total = (uint64_t)mm_free_pages() * PAGE_SIZE;
}

static void note_failure(size_t size, size_t align)
{
	stats.failures++;
	if (stats.failures <= 10 || stats.failures % 1000 == 0)
		printk("minios: out of memory: %lu bytes (align %lu) refused;"
		       " used %lu of %lu, %lu failures\n",
		       (unsigned long)size, (unsigned long)align,
		       (unsigned long)stats.used, (unsigned long)stats.total,
		       (unsigned long)stats.failures);
}

static void account(uint64_t bytes)
{
	stats.used += bytes;
	if (stats.used > stats.peak)
		stats.peak = stats.used;
}

static int refill(unsigned int cls)
{
	size_t sz = 1UL << (cls + MIN_SHIFT), off;
	char *page = page_alloc(1, 1);

	if (!page)
		return 0;
	page_tag[virt_to_pfn(page)] = TAG_SMALL | cls;
	for (off = 0; off < PAGE_SIZE; off += sz) {
		struct chunk *c = (struct chunk *)(page + off);

		c->next = freelist[cls];
		freelist[cls] = c;
	}
	return 1;
}

static void *alloc_small(size_t size)
{
	unsigned int cls = 0;
	struct chunk *c;

	while ((1UL << (cls + MIN_SHIFT)) < size)
		cls++;
	if (!freelist[cls] && !refill(cls))
		return NULL;
	c = freelist[cls];
	freelist[cls] = c->next;
	account(1UL << (cls + MIN_SHIFT));
	return c;
}

static void *alloc_large(size_t size, size_t align)
{
	unsigned long n = PFN_UP(size);
	void *p;

	if (size > (1UL << 40) || n > 0xffffff)
		return NULL;
	p = page_alloc(n, align > PAGE_SIZE ? align / PAGE_SIZE : 1);
	if (!p)
		return NULL;
	page_tag[virt_to_pfn(p)] = TAG_LARGE | (uint32_t)n;
	account(n * PAGE_SIZE);
	return p;
}

void *hyp_memalign(size_t align, size_t size)
{
	void *p;

	if (align < 16 || (align & (align - 1)))
		return NULL;
	if (size < align && align <= (1UL << MAX_SHIFT))
		size = align;
	if (size == 0)
		size = 1;
	if (size <= (1UL << MAX_SHIFT) && align <= (1UL << MAX_SHIFT))
		p = alloc_small(size);
	else
		p = alloc_large(size, align);
	if (!p)
		note_failure(size, align);
	return p;
}

void *hyp_malloc(size_t size)
{
	return hyp_memalign(16, size);
}

void *hyp_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > (size_t)-1 / size) {
		note_failure((size_t)-1, 16);
		return NULL;
	}
	p = hyp_malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

static uint32_t tag_of(void *p)
{
	unsigned long pfn = virt_to_pfn(p);

	if ((unsigned long)p < virt_base || pfn >= tag_pfns ||
	    !TAG_KIND(page_tag[pfn]))
		minios_panic("free/realloc of %p: not from malloc", p);
	return page_tag[pfn];
}

size_t minios_malloc_usable_size(void *p);
size_t minios_malloc_usable_size(void *p)
{
	uint32_t t = tag_of(p);

	if (TAG_KIND(t) == TAG_SMALL)
		return 1UL << (TAG_VAL(t) + MIN_SHIFT);
	return TAG_VAL(t) * PAGE_SIZE;
}

void hyp_free(void *p)
{
	uint32_t t;

	if (!p)
		return;
	t = tag_of(p);
	if (TAG_KIND(t) == TAG_SMALL) {
		unsigned int cls = TAG_VAL(t);
		struct chunk *c = p;

		if ((unsigned long)p & ((1UL << (cls + MIN_SHIFT)) - 1))
			minios_panic("free of %p: not a chunk start", p);
		c->next = freelist[cls];
		freelist[cls] = c;
		stats.used -= 1UL << (cls + MIN_SHIFT);
		return;
	}
	if ((unsigned long)p & (PAGE_SIZE - 1))
		minios_panic("free of %p: not a block start", p);
	page_tag[virt_to_pfn(p)] = 0;
	page_free(p, TAG_VAL(t));
	stats.used -= TAG_VAL(t) * PAGE_SIZE;
}

void hyp_mem_stats(struct hyp_mem_stats *st)
{
	*st = stats;
}
