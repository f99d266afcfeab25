/*
 * sys_mbox.c - lwIP mailboxes (lwip/sys.h): a fixed ring of message
 * pointers under a hyp_mutex, with a condvar each for "not empty" and
 * "not full". Not here: priorities, multiple-reader fairness.
 */
#include "lwip/sys.h"

struct sys_mbox_ring {
	struct hyp_mutex *lock;	/* protects: everything below */
	struct hyp_cond *not_empty;
	struct hyp_cond *not_full;
	unsigned int size, head, count;
	void *msgs[];
};

/** Create a new mbox of the given size (0: lwIP's default of 32). */
err_t sys_mbox_new(sys_mbox_t *mbox, int size)
{
	struct sys_mbox_ring *b;

	if (size <= 0)
		size = 32;
	b = hyp_calloc(1, sizeof(*b) + (size_t)size * sizeof(void *));
	if (b == NULL)
		return ERR_MEM;
	b->size = (unsigned int)size;
	if (hyp_mutex_create(&b->lock) != 0 || hyp_cond_create(&b->not_empty) != 0 ||
	    hyp_cond_create(&b->not_full) != 0) {
		hyp_cond_destroy(b->not_empty);
		hyp_mutex_destroy(b->lock);
		hyp_free(b);
		return ERR_MEM;
	}
	*mbox = b;
	return ERR_OK;
}

static void put(struct sys_mbox_ring *b, void *msg)
{
	b->msgs[(b->head + b->count) % b->size] = msg;
	if (b->count++ == 0)
		hyp_cond_signal(b->not_empty);
}

/** Post a message to an mbox; may block until there is room. */
void sys_mbox_post(sys_mbox_t *mbox, void *msg)
{
	struct sys_mbox_ring *b = *mbox;

	hyp_mutex_lock(b->lock);
	while (b->count == b->size)
		hyp_cond_wait(b->not_full, b->lock);
	put(b, msg);
	hyp_mutex_unlock(b->lock);
}

/** Try to post a message to an mbox; ERR_MEM if it is full. */
err_t sys_mbox_trypost(sys_mbox_t *mbox, void *msg)
{
	struct sys_mbox_ring *b = *mbox;
	err_t err = ERR_MEM;

	hyp_mutex_lock(b->lock);
	if (b->count < b->size) {
		put(b, msg);
		err = ERR_OK;
	}
	hyp_mutex_unlock(b->lock);
	return err;
}

/** Try to post a message from an interrupt context: same as trypost
 * here (NIC callbacks run in threads). */
err_t sys_mbox_trypost_fromisr(sys_mbox_t *mbox, void *msg)
{
	return sys_mbox_trypost(mbox, msg);
}

static void *take(struct sys_mbox_ring *b)
{
	void *msg = b->msgs[b->head];

	b->head = (b->head + 1) % b->size;
	if (b->count-- == b->size)
		hyp_cond_signal(b->not_full);
	return msg;
}

/** Wait for a new message, at most timeout ms (0 = forever); returns
 * the time waited in ms or SYS_ARCH_TIMEOUT. */
u32_t sys_arch_mbox_fetch(sys_mbox_t *mbox, void **msg, u32_t timeout)
{
	struct sys_mbox_ring *b = *mbox;
	uint64_t start = hyp_clock_monotonic();
	uint64_t deadline = start + (uint64_t)timeout * 1000000ull;
	void *m;

	hyp_mutex_lock(b->lock);
	while (b->count == 0) {
		if (timeout == 0) {
			hyp_cond_wait(b->not_empty, b->lock);
		} else if (hyp_cond_timedwait(b->not_empty, b->lock, deadline) == HYP_ETIMEDOUT &&
			   b->count == 0) {
			hyp_mutex_unlock(b->lock);
			return SYS_ARCH_TIMEOUT;
		}
	}
	m = take(b);
	hyp_mutex_unlock(b->lock);
	if (msg != NULL)
		*msg = m;
	return (u32_t)((hyp_clock_monotonic() - start) / 1000000ull);
}

/** Fetch a message if one is there; SYS_MBOX_EMPTY otherwise. */
u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mbox, void **msg)
{
	struct sys_mbox_ring *b = *mbox;
	void *m;

	hyp_mutex_lock(b->lock);
	if (b->count == 0) {
		hyp_mutex_unlock(b->lock);
		return SYS_MBOX_EMPTY;
	}
	m = take(b);
	hyp_mutex_unlock(b->lock);
	if (msg != NULL)
		*msg = m;
	return 0;
}

/** Deallocates a mailbox. */
void sys_mbox_free(sys_mbox_t *mbox)
{
	struct sys_mbox_ring *b = *mbox;

	if (b == NULL)
		return;
	hyp_cond_destroy(b->not_full);
	hyp_cond_destroy(b->not_empty);
	hyp_mutex_destroy(b->lock);
	hyp_free(b);
	*mbox = NULL;
}
