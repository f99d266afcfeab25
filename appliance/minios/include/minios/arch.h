/*
 * arch.h - the arch_ hooks kernel.c and the subsystems call; x86-64
 * implements them under arch/x86/ (PV: entry.S, traps.c, pagetable.c;
 * PVH: pvh_entry.S, pvh.c; both: switch.S).
 * Not here: other architectures.
 */
#ifndef MINIOS_ARCH_H
#define MINIOS_ARCH_H

#include <stdint.h>

/* Registers saved by the exception stubs in arch/x86/entry.S. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

/* Install the trap table and the event/failsafe callbacks. */
void arch_traps_init(void);

/*
 * Make the whole pseudo-physical memory of the domain reachable in the
 * direct map. Page-table pages come from *first_free_pfn, which is
 * advanced past them. Returns the number of pfns mapped.
 */
unsigned long arch_mm_map_all(unsigned long *first_free_pfn,
			      unsigned long nr_pages);

/* Map machine frame mfn at va, which must lie in an existing L1
 * (a page-aligned .bss page). Returns 0 or a negative Xen error. */
int arch_map_mfn(void *va, unsigned long mfn);

/* Cooperative switch (arch/x86/switch.S). */
void arch_switch(uint64_t *save_sp, uint64_t new_sp);
/* Prepare a new stack so arch_switch() to it runs fn(arg). */
uint64_t arch_thread_init_stack(void *stack, unsigned long size,
				void (*fn)(void *), void *arg);

/* Print return addresses starting from frame pointer rbp, staying
 * between lo and hi (the stack's bounds; 0,0 = do not check). */
void arch_backtrace(uint64_t rbp, uint64_t lo, uint64_t hi);

static inline uint64_t arch_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#endif /* MINIOS_ARCH_H */
