/*
 * sys_sem.c - lwIP semaphores (lwip/sys.h) over hyp_sem.
 * Not here: mutexes (sys_mutex.c), mailboxes (sys_mbox.c).
 */
#include "lwip/sys.h"

/** Create a new semaphore with the given initial count. */
err_t sys_sem_new(sys_sem_t *sem, u8_t count)
{
	return hyp_sem_create(sem, count) == 0 ? ERR_OK : ERR_MEM;
}

/** Signals a semaphore. */
void sys_sem_signal(sys_sem_t *sem)
{
	hyp_sem_post(*sem);
}

/** Wait for a semaphore, at most timeout ms (0 = forever); returns the
 * time waited in ms or SYS_ARCH_TIMEOUT. */
u32_t sys_arch_sem_wait(sys_sem_t *sem, u32_t timeout)
{
	uint64_t start = hyp_clock_monotonic();
	uint64_t deadline = timeout ? start + (uint64_t)timeout * 1000000ull : 0;

	if (hyp_sem_wait(*sem, deadline) == HYP_ETIMEDOUT)
		return SYS_ARCH_TIMEOUT;
	return (u32_t)((hyp_clock_monotonic() - start) / 1000000ull);
}

/** Deallocates a semaphore. */
void sys_sem_free(sys_sem_t *sem)
{
	hyp_sem_destroy(*sem);
	*sem = NULL;
}
