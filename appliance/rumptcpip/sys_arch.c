/*
 * sys_arch.c - lwIP's sys_init, the lightweight protection and the
 * random source, over hyper.h.
 *
 * Protection: one global hyp_mutex, nestable by its owner (lwIP may
 * nest SYS_ARCH_PROTECT). Random: xorshift64* seeded from the clocks;
 * good enough for ports, ISNs and DHCP xids, not for cryptography.
 * Not here: the OS primitives (sys_sem.c, sys_mutex.c, sys_mbox.c,
 * sys_thread.c, sys_time.c).
 */
#include "lwip/sys.h"

static struct hyp_mutex *prot_lock;
static struct hyp_thread *volatile prot_owner;
static unsigned int prot_depth;		/* protected by prot_lock */
static uint64_t rand_state;

/** sys_init() must be called before anything else. */
void sys_init(void)
{
	if (hyp_mutex_create(&prot_lock) != 0)
		hyp_panic("sys_init: no memory for the protection lock");
	rand_state = (uint64_t)hyp_clock_wall() ^ (hyp_clock_monotonic() << 17) ^
		     (uint64_t)(uintptr_t)&rand_state;
	if (rand_state == 0)
		rand_state = 0x9e3779b97f4a7c15ull;
}

/** Enter a critical section (nestable by the same thread). */
sys_prot_t sys_arch_protect(void)
{
	struct hyp_thread *self = hyp_thread_self();

	if (prot_owner == self && self != NULL) {
		prot_depth++;
		return 1;
	}
	hyp_mutex_lock(prot_lock);
	prot_owner = self;
	prot_depth = 1;
	return 0;
}

/** Leave a critical section entered with sys_arch_protect(). */
void sys_arch_unprotect(sys_prot_t pval)
{
	(void)pval;
	if (--prot_depth == 0) {
		prot_owner = NULL;
		hyp_mutex_unlock(prot_lock);
	}
}

uint32_t rumptcpip_rand(void)
{
	uint64_t x;

	SYS_ARCH_DECL_PROTECT(lev);
	SYS_ARCH_PROTECT(lev);
	x = rand_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rand_state = x;
	SYS_ARCH_UNPROTECT(lev);
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}
