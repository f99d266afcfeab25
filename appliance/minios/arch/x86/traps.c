/*
 * traps.c - x86-64 exception handling for minios.
 *
 * PV: registers the trap table (vectors 0-19) and the event and
 * failsafe callbacks with Xen (PVH uses an IDT instead: pvh.c). On both,
 * every exception is fatal: do_trap() prints the vector, error code,
 * registers (and the fault address, for diagnostics only: Xen's
 * vcpu_info.arch.cr2 on PV, %cr2 on PVH), a backtrace, and crashes
 * the domain. Also holds the stack preparation for new threads and the
 * frame-pointer backtrace walker.
 * Not here: recoverable faults, demand paging, user mode.
 */
#include <minios/os.h>
#include <minios/arch.h>
#include <minios/console.h>
#include <minios/exit.h>

#define DECLARE_TRAP(n) extern char n[]
DECLARE_TRAP(trap_divide_error); DECLARE_TRAP(trap_debug);
DECLARE_TRAP(trap_nmi); DECLARE_TRAP(trap_int3);
DECLARE_TRAP(trap_overflow); DECLARE_TRAP(trap_bounds);
DECLARE_TRAP(trap_invalid_op); DECLARE_TRAP(trap_no_device);
DECLARE_TRAP(trap_double_fault); DECLARE_TRAP(trap_coproc_seg);
DECLARE_TRAP(trap_invalid_tss); DECLARE_TRAP(trap_segment_np);
DECLARE_TRAP(trap_stack_fault); DECLARE_TRAP(trap_gp_fault);
DECLARE_TRAP(trap_page_fault); DECLARE_TRAP(trap_spurious);
DECLARE_TRAP(trap_fpu_error); DECLARE_TRAP(trap_alignment);
DECLARE_TRAP(trap_machine_check); DECLARE_TRAP(trap_simd_error);
extern char hypervisor_callback[], failsafe_callback[];
extern char thread_trampoline[];

/* flags: bits 0-1 DPL allowed for `int n`, 4 = mask events on entry. */
#define T(vec, dpl, fn) { vec, (dpl) | 4, FLAT_KERNEL_CS, (unsigned long)fn }
static trap_info_t trap_table[] = {
	T(0, 0, trap_divide_error),  T(1, 0, trap_debug),
	T(2, 0, trap_nmi),           T(3, 3, trap_int3),
	T(4, 3, trap_overflow),      T(5, 3, trap_bounds),
	T(6, 0, trap_invalid_op),    T(7, 0, trap_no_device),
	T(8, 0, trap_double_fault),  T(9, 0, trap_coproc_seg),
	T(10, 0, trap_invalid_tss),  T(11, 0, trap_segment_np),
	T(12, 0, trap_stack_fault),  T(13, 0, trap_gp_fault),
	T(14, 0, trap_page_fault),   T(15, 0, trap_spurious),
	T(16, 0, trap_fpu_error),    T(17, 0, trap_alignment),
	T(18, 0, trap_machine_check), T(19, 0, trap_simd_error),
	{ 0, 0, 0, 0 },
};

static const char *const trap_names[] = {
	"divide error", "debug", "nmi", "int3", "overflow", "bounds",
	"invalid opcode", "device not available", "double fault",
	"coprocessor segment", "invalid tss", "segment not present",
	"stack fault", "general protection", "page fault", "spurious",
	"fpu error", "alignment check", "machine check", "simd error",
};

void arch_traps_init(void)
{
	long rc;

	rc = HYPERVISOR_set_trap_table(trap_table);
	if (rc)
		minios_panic("set_trap_table failed: %ld", rc);
	rc = HYPERVISOR_set_callbacks(hypervisor_callback, failsafe_callback,
				      0);
	if (rc)
		minios_panic("set_callbacks failed: %ld", rc);
}

void do_trap(struct trap_frame *f);
void do_trap(struct trap_frame *f)
{
	const char *name = f->vector < ARRAY_SIZE(trap_names) ?
		trap_names[f->vector] : "?";

	console_panic_mode();
	printk("rumpnet: PANIC: trap %lu (%s) error 0x%lx at rip 0x%lx"
	       " rsp 0x%lx", (unsigned long)f->vector, name,
	       (unsigned long)f->error, (unsigned long)f->rip,
	       (unsigned long)f->rsp);
	if (f->vector == 14 && minios_pvh) {
		unsigned long cr2;

		/* Diagnostics only: nested QEMU may report 0 here. */
		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
		printk(" cr2 0x%lx", cr2);
	} else if (f->vector == 14 && shared_info) {
		printk(" cr2 0x%lx", (unsigned long)this_vcpu()->arch.cr2);
	}
	printk("\nrumpnet: regs rax=%lx rbx=%lx rcx=%lx rdx=%lx rsi=%lx"
	       " rdi=%lx rbp=%lx\n",
	       (unsigned long)f->rax, (unsigned long)f->rbx,
	       (unsigned long)f->rcx, (unsigned long)f->rdx,
	       (unsigned long)f->rsi, (unsigned long)f->rdi,
	       (unsigned long)f->rbp);
	printk("rumpnet: backtrace: 0x%lx", (unsigned long)f->rip);
	arch_backtrace(f->rbp, 0, 0);
	minios_shutdown(SHUTDOWN_crash);
}

void do_failsafe(uint64_t *frame);
void do_failsafe(uint64_t *frame)
{
	console_panic_mode();
	printk("rumpnet: PANIC: failsafe callback (bad segment) at rip 0x%lx\n",
	       (unsigned long)frame[4]);
	minios_shutdown(SHUTDOWN_crash);
}

uint64_t arch_thread_init_stack(void *stack, unsigned long size,
				void (*fn)(void *), void *arg)
{
	uint64_t *sp = (uint64_t *)(((uint64_t)stack + size) & ~15UL);

	*--sp = (uint64_t)thread_trampoline; /* arch_switch's ret */
	*--sp = 0;                           /* rbp */
	*--sp = 0;                           /* rbx */
	*--sp = (uint64_t)fn;                /* r12 */
	*--sp = (uint64_t)arg;               /* r13 */
	*--sp = 0;                           /* r14 */
	*--sp = 0;                           /* r15 */
	return (uint64_t)sp;
}

/*
 * Walk the rbp chain (the kernel is built with frame pointers) and
 * print each return address on the current line, then a newline.
 * Stops at a NULL, misaligned or out-of-bounds frame, or after 16.
 */
void arch_backtrace(uint64_t rbp, uint64_t lo, uint64_t hi)
{
	int i;

	for (i = 0; i < 16 && rbp && !(rbp & 7); i++) {
		uint64_t *fp = (uint64_t *)rbp;

		if (lo && (rbp < lo || rbp + 16 > hi))
			break;
		if (rbp < virt_base + PAGE_SIZE || !start_info ||
		    rbp + 16 > virt_base + (start_info->nr_pages << PAGE_SHIFT))
			break;
		if (!fp[1])
			break;
		printk(" 0x%lx", (unsigned long)fp[1]);
		if (fp[0] <= rbp)
			break;
		rbp = fp[0];
	}
	printk("\n");
}
