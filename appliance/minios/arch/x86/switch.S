/*
 * switch.S - cooperative context switch for minios threads.
 *
 * arch_switch(&old_sp, new_sp) saves the callee-saved registers on the
 * current stack, stores its stack pointer, loads new_sp and pops the
 * same set there. A new thread's stack is prepared by
 * arch_thread_init_stack() (arch/x86/traps.c side: sched.c) so that the
 * first switch "returns" into thread_trampoline with r12 = entry
 * function and r13 = its argument.
 * Not here: FPU/SSE state (caller-saved in the SysV ABI; the upcall
 * path saves it separately).
 */
	.text
	.globl arch_switch
arch_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.globl thread_trampoline
thread_trampoline:
	xorl %ebp, %ebp
	movq %r13, %rdi
	call *%r12
	ud2

	.section .note.GNU-stack, "", @progbits
