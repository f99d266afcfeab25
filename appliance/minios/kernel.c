/*
 * kernel.c - minios boot: the subsystems come up in order, so this file
 * doubles as the boot-order document.
 *
 *   PV  (start_kernel, from arch/x86/entry.S): console -> traps and
 *       callbacks -> shared_info -> events -> page tables -> pages
 *   PVH (arch/x86/pvh.c prepares hypercall page, start_info, console,
 *       IDT, shared_info, callback vector, pages, then kernel_common)
 *   common: malloc -> scheduler -> time (VIRQ_TIMER) -> unmask events
 *       -> grant table -> xenstore -> thread "control" (xl shutdown and
 *       reboot requests) -> thread "main": reports the boot time (first
 *       instruction to here, console and state key boot/main_us), runs
 *       rumpnet_main(); returning from it powers the domain off.
 * Not here: suspend/resume, SMP.
 */
#include <minios/os.h>
#include <minios/arch.h>
#include <minios/console.h>
#include <minios/events.h>
#include <minios/exit.h>
#include <minios/gnttab.h>
#include <minios/kernel.h>
#include <minios/mm.h>
#include <minios/sched.h>
#include <minios/time.h>
#include <minios/xenbus.h>
#include <rumpnet/hyper.h>
#include <stdio.h>

void control_init(void);

start_info_t *start_info;
shared_info_t *shared_info;
int minios_pvh;
unsigned long virt_base = VIRT_BASE;

char shared_info_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static void main_thread(void *arg)
{
	unsigned long us = (unsigned long)(time_boot_ns() / 1000);
	char val[24];

	(void)arg;
	printk("rumpnet: boot first-instruction->main %lu us\n", us);
	snprintf(val, sizeof(val), "%lu", us);
	(void)hyp_state_set("boot.main_us", val); /* no state dir: console only */
	hyp_exit(HYP_EXIT_POWEROFF, rumpnet_main());
}

void kernel_banner(const char *mode)
{
	unsigned long ver = (unsigned long)HYPERVISOR_xen_version(XENVER_version,
								   NULL);

	printk("rumpnet: minios booting as %s on Xen %lu.%lu, %lu pages\n",
	       mode, ver >> 16, ver & 0xffff, start_info->nr_pages);
}

static void map_shared_info(void)
{
	int rc = arch_map_mfn(shared_info_page,
			      start_info->shared_info >> PAGE_SHIFT);

	if (rc)
		minios_panic("cannot map shared_info: %d", rc);
	shared_info = (shared_info_t *)shared_info_page;
}

void kernel_common(unsigned long boot_pages)
{
	struct hyp_mem_stats st;

	malloc_init();
	sched_init();
	time_init();
	irq_enable();
	gnttab_init();
	xenbus_init();
	hyp_mem_stats(&st);
	printk("rumpnet: minios up: domid %u, %lu KiB heap, kernel and boot"
	       " data %lu KiB\n", xenbus_domid(),
	       (unsigned long)(st.total >> 10), boot_pages * (PAGE_SIZE >> 10));
	control_init();
	if (hyp_thread_create(NULL, "main", main_thread, NULL, 0))
		minios_panic("cannot create the main thread");
	sched_start();
}

void start_kernel(start_info_t *si, unsigned long boot_rsp);
void start_kernel(start_info_t *si, unsigned long boot_rsp)
{
	unsigned long first_free = PFN_UP(boot_rsp - VIRT_BASE);

	start_info = si;
	console_init();
	kernel_banner("PV");
	arch_traps_init();
	map_shared_info();
	events_init();
	arch_mm_map_all(&first_free, si->nr_pages);
	mm_init(first_free, si->nr_pages);
	kernel_common(first_free);
}
