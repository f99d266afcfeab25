/*
 * hypercall.h - x86-64 PV hypercall stubs for minios.
 *
 * Each call goes into the hypercall page Xen's domain builder filled in
 * (ELF note HYPERCALL_PAGE, entry nr at offset nr * 32). Arguments go in
 * rdi, rsi, rdx, r10, r8; the result comes back in rax; the argument
 * registers may be clobbered, rcx/r11 survive (the stub saves them).
 * On PVH the same page is filled by Xen through the CPUID-advertised
 * MSR (arch/x86/pvh.c) and the same stubs work.
 * Not here: the iret hypercall (PV only, entered by JMP from entry.S).
 */
#ifndef MINIOS_X86_HYPERCALL_H
#define MINIOS_X86_HYPERCALL_H

#include <stdint.h>

extern char hypercall_page[4096];

#define _hypercall(nr, a1, a2, a3, a4, a5) ({				\
	register unsigned long __rdi __asm__("rdi") = (unsigned long)(a1); \
	register unsigned long __rsi __asm__("rsi") = (unsigned long)(a2); \
	register unsigned long __rdx __asm__("rdx") = (unsigned long)(a3); \
	register unsigned long __r10 __asm__("r10") = (unsigned long)(a4); \
	register unsigned long __r8 __asm__("r8") = (unsigned long)(a5);  \
	long __ret;							\
	__asm__ volatile("call hypercall_page + %c[off]"		\
			 : "=a"(__ret), "+r"(__rdi), "+r"(__rsi),	\
			   "+r"(__rdx), "+r"(__r10), "+r"(__r8)		\
			 : [off] "i"((nr) * 32)				\
			 : "memory", "r9");				\
	__ret;								\
})

#define HYPERVISOR_set_trap_table(t) \
	_hypercall(__HYPERVISOR_set_trap_table, t, 0, 0, 0, 0)
#define HYPERVISOR_mmu_update(req, n, done, dom) \
	_hypercall(__HYPERVISOR_mmu_update, req, n, done, dom, 0)
#define HYPERVISOR_set_callbacks(ev, fs, sc) \
	_hypercall(__HYPERVISOR_set_callbacks, ev, fs, sc, 0, 0)
#define HYPERVISOR_memory_op(cmd, arg) \
	_hypercall(__HYPERVISOR_memory_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_update_va_mapping(va, pte, flags) \
	_hypercall(__HYPERVISOR_update_va_mapping, va, pte, flags, 0, 0)
#define HYPERVISOR_set_timer_op(t) \
	_hypercall(__HYPERVISOR_set_timer_op, t, 0, 0, 0, 0)
#define HYPERVISOR_xen_version(cmd, arg) \
	_hypercall(__HYPERVISOR_xen_version, cmd, arg, 0, 0, 0)
#define HYPERVISOR_console_io(cmd, n, buf) \
	_hypercall(__HYPERVISOR_console_io, cmd, n, buf, 0, 0)
#define HYPERVISOR_grant_table_op(cmd, uop, n) \
	_hypercall(__HYPERVISOR_grant_table_op, cmd, uop, n, 0, 0)
#define HYPERVISOR_vcpu_op(cmd, vcpu, arg) \
	_hypercall(__HYPERVISOR_vcpu_op, cmd, vcpu, arg, 0, 0)
#define HYPERVISOR_mmuext_op(op, n, done, dom) \
	_hypercall(__HYPERVISOR_mmuext_op, op, n, done, dom, 0)
#define HYPERVISOR_sched_op(cmd, arg) \
	_hypercall(__HYPERVISOR_sched_op, cmd, arg, 0, 0, 0)
#define HYPERVISOR_hvm_op(op, arg) \
	_hypercall(__HYPERVISOR_hvm_op, op, arg, 0, 0, 0)
#define HYPERVISOR_event_channel_op(cmd, arg) \
	_hypercall(__HYPERVISOR_event_channel_op, cmd, arg, 0, 0, 0)

#endif /* MINIOS_X86_HYPERCALL_H */
