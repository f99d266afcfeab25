/*
 * entry.S - x86-64 PV entry points: ELF notes, _start, the hypercall
 * page, the event upcall and failsafe callbacks, exception stubs.
 *
 * The upcall saves every register and the FPU/SSE state, runs
 * evtchn_do_upcall() with events masked (Xen masked them on entry) and
 * returns through HYPERVISOR_iret, which restores the interrupted mask
 * atomically with the return. Exceptions are fatal: the stubs build a
 * struct trap_frame and call do_trap(), which prints and crashes.
 * Not here: PVH's 32-bit entry, IDT, lazy FPU switching.
 */
#include <xen/elfnote.h>
#include <xen/xen.h>
#include "asm.h"

#define VIRT_BASE 0x100000

#define ELFNOTE(type, desc...)			\
	.pushsection .note.Xen, "a", @note;	\
	.balign 4;				\
	.long 2f - 1f;				\
	.long 4f - 3f;				\
	.long type;				\
1:	.asciz "Xen";				\
2:	.balign 4;				\
3:	desc;					\
4:	.balign 4;				\
	.popsection

ELFNOTE(XEN_ELFNOTE_GUEST_OS, .asciz "rumpnet-minios")
ELFNOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz "0.1")
ELFNOTE(XEN_ELFNOTE_XEN_VERSION, .asciz "xen-3.0")
ELFNOTE(XEN_ELFNOTE_LOADER, .asciz "generic")
ELFNOTE(XEN_ELFNOTE_VIRT_BASE, .quad VIRT_BASE)
ELFNOTE(XEN_ELFNOTE_PADDR_OFFSET, .quad VIRT_BASE)
ELFNOTE(XEN_ELFNOTE_ENTRY, .quad _start)
ELFNOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad hypercall_page)

	.section .text.boot, "ax"
	.globl _start
_start:
	cld
	rdtsc                   /* the first clock reading: time_boot_ns() */
	shlq $32, %rdx
	orq %rdx, %rax
	movq %rax, boot_tsc(%rip)
	/* rsi = start_info VA, rsp = top of Xen's one-page boot stack. */
	movq %rsp, %rdx
	leaq boot_stack_top(%rip), %rsp
	movq %rsi, %rdi
	movq %rdx, %rsi
	xorl %ebp, %ebp
	call start_kernel
	ud2

	.text
	.balign 4096
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0

/*
 * Event upcall. Xen pushed: rcx, r11, rip, cs, rflags, rsp, ss. Pop the
 * interrupted rcx/r11 back into place, save the rest, run the C handler
 * on a 16-byte aligned stack with room for fxsave.
 */
	.globl hypervisor_callback
hypervisor_callback:
	popq %rcx
	popq %r11
	SAVE_GPRS
	movq %rsp, %rbx
	andq $-16, %rsp
	subq $512, %rsp
	fxsave64 (%rsp)
	movq %rbx, %rdi
	call evtchn_do_upcall
	fxrstor64 (%rsp)
	movq %rbx, %rsp
	RESTORE_GPRS
	/* Stack: rip, cs, rflags, rsp, ss. Add the iret flags word. */
	pushq $0
	jmp hypercall_page + __HYPERVISOR_iret * 32

/* Xen could not load a segment register for us: report and crash. */
	.globl failsafe_callback
failsafe_callback:
	popq %rcx
	popq %r11
	movq %rsp, %rdi
	andq $-16, %rsp
	call do_failsafe
	ud2

/*
 * Exceptions. Xen pushed rcx, r11, [error code], rip, cs, rflags, rsp,
 * ss. Make the frame uniform (error code 0 when the CPU gives none),
 * push the vector and the registers: struct trap_frame.
 */
#define TRAP_NOERR(name, vec)	\
	.globl name;		\
name:				\
	popq %rcx;		\
	popq %r11;		\
	pushq $0;		\
	pushq $vec;		\
	jmp trap_common

#define TRAP_ERR(name, vec)	\
	.globl name;		\
name:				\
	popq %rcx;		\
	popq %r11;		\
	pushq $vec;		\
	jmp trap_common

TRAP_NOERR(trap_divide_error, 0)
TRAP_NOERR(trap_debug, 1)
TRAP_NOERR(trap_nmi, 2)
TRAP_NOERR(trap_int3, 3)
TRAP_NOERR(trap_overflow, 4)
TRAP_NOERR(trap_bounds, 5)
TRAP_NOERR(trap_invalid_op, 6)
TRAP_NOERR(trap_no_device, 7)
TRAP_ERR(trap_double_fault, 8)
TRAP_NOERR(trap_coproc_seg, 9)
TRAP_ERR(trap_invalid_tss, 10)
TRAP_ERR(trap_segment_np, 11)
TRAP_ERR(trap_stack_fault, 12)
TRAP_ERR(trap_gp_fault, 13)
TRAP_ERR(trap_page_fault, 14)
TRAP_NOERR(trap_spurious, 15)
TRAP_NOERR(trap_fpu_error, 16)
TRAP_ERR(trap_alignment, 17)
TRAP_NOERR(trap_machine_check, 18)
TRAP_NOERR(trap_simd_error, 19)

trap_common:
	SAVE_GPRS
	movq %rsp, %rdi
	andq $-16, %rsp
	call do_trap
	ud2

	.bss
	.balign 16
boot_stack:
	.skip 16384
	.globl boot_stack_top
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
