/*
 * sys_mutex.c - lwIP mutexes (lwip/sys.h) over hyp_mutex; the tcpip
 * core lock is one of them. Not here: recursive locking.
 */
#include "lwip/sys.h"

/** Create a new mutex. */
err_t sys_mutex_new(sys_mutex_t *mutex)
{
	return hyp_mutex_create(mutex) == 0 ? ERR_OK : ERR_MEM;
}

/** Lock a mutex. */
void sys_mutex_lock(sys_mutex_t *mutex)
{
	hyp_mutex_lock(*mutex);
}

/** Unlock a mutex. */
void sys_mutex_unlock(sys_mutex_t *mutex)
{
	hyp_mutex_unlock(*mutex);
}

/** Delete a mutex. */
void sys_mutex_free(sys_mutex_t *mutex)
{
	hyp_mutex_destroy(*mutex);
	*mutex = NULL;
}
