/*
 * os.h - minios core definitions shared by every subsystem.
 *
 * Xen public headers, the start_info and shared_info pointers, memory
 * barriers, event masking and address conversions, for both guest
 * types the same image boots as:
 *   PV:  VA = VIRT_BASE + pfn * 4096; pfn -> mfn through the p2m list
 *        Xen gave us, mfn -> pfn through Xen's read-only M2P table;
 *        events are masked with the vcpu's evtchn_upcall_mask.
 *   PVH: VA = PA = pfn * 4096 (identity map), frame numbers are GFNs
 *        (pfn == "mfn"); events are masked with RFLAGS.IF (cli/sti).
 *        start_info is filled in by arch/x86/pvh.c from hvm_start_info
 *        and the HVM params, so the rest of the kernel reads one struct.
 */
#ifndef MINIOS_OS_H
#define MINIOS_OS_H

#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>

#include "../../arch/x86/hypercall.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PFN_UP(x) (((x) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PFN_DOWN(x) ((x) >> PAGE_SHIFT)

/* The link address; on PV also where pseudo-physical frame 0 is. */
#define VIRT_BASE 0x100000UL

extern start_info_t *start_info;
extern shared_info_t *shared_info;
/* 1 when booted as PVH (arch/x86/pvh.c), 0 for PV. */
extern int minios_pvh;
/* VA of pseudo-physical frame 0: VIRT_BASE on PV, 0 on PVH. */
extern unsigned long virt_base;

/* pfn <-> VA <-> mfn for memory in the direct map. */
static inline void *pfn_to_virt(unsigned long pfn)
{
	return (void *)(virt_base + (pfn << PAGE_SHIFT));
}

static inline unsigned long virt_to_pfn(const void *va)
{
	return ((unsigned long)va - virt_base) >> PAGE_SHIFT;
}

static inline unsigned long pfn_to_mfn(unsigned long pfn)
{
	if (minios_pvh)
		return pfn;
	return ((unsigned long *)start_info->mfn_list)[pfn];
}

static inline unsigned long mfn_to_pfn(unsigned long mfn)
{
	if (minios_pvh)
		return mfn;
	return machine_to_phys_mapping[mfn];
}

static inline unsigned long virt_to_mfn(const void *va)
{
	return pfn_to_mfn(virt_to_pfn(va));
}

static inline void *mfn_to_virt(unsigned long mfn)
{
	return pfn_to_virt(mfn_to_pfn(mfn));
}

/* Barriers: what each orders is said at the use site. */
#define barrier() __asm__ volatile("" ::: "memory")
#define mb() __asm__ volatile("mfence" ::: "memory")
#define rmb() __asm__ volatile("lfence" ::: "memory")
#define wmb() __asm__ volatile("sfence" ::: "memory")

#define ACCESS_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

static inline vcpu_info_t *this_vcpu(void)
{
	return &shared_info->vcpu_info[0];
}

/* Force delivery of a pending upcall: any hypercall return checks. */
static inline void force_evtchn_callback(void)
{
	(void)HYPERVISOR_xen_version(0, 0);
}

/*
 * Mask event upcalls, returning the previous mask (1 = was masked) for
 * irq_restore(). Safe to nest. While masked, event handlers do not run.
 */
static inline unsigned long irq_save(void)
{
	vcpu_info_t *v;
	unsigned long old;

	if (minios_pvh) {
		__asm__ volatile("pushfq; popq %0; cli" : "=r"(old) : : "memory");
		return !(old & 0x200);
	}
	v = this_vcpu();
	old = v->evtchn_upcall_mask;
	v->evtchn_upcall_mask = 1;
	barrier(); /* the mask is set before the critical section */
	return old;
}

static inline void irq_enable(void)
{
	vcpu_info_t *v;

	if (minios_pvh) {
		__asm__ volatile("sti" : : : "memory");
		return;
	}
	v = this_vcpu();
	barrier(); /* the critical section ends before unmasking */
	v->evtchn_upcall_mask = 0;
	barrier(); /* unmask before looking at pending */
	if (v->evtchn_upcall_pending)
		force_evtchn_callback();
}

static inline void irq_restore(unsigned long old)
{
	if (!old)
		irq_enable();
}

/* Set by the boot code once shared_info is mapped. */
extern int events_ready;

#endif /* MINIOS_OS_H */
