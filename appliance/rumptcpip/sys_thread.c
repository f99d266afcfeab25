/*
 * sys_thread.c - lwIP threads (lwip/sys.h) as detached hyp threads.
 * Not here: priorities (hyper.h has none; prio is ignored).
 */
#include "lwip/sys.h"

/** Create a new thread running function(arg); returns its id. */
sys_thread_t sys_thread_new(const char *name, lwip_thread_fn function, void *arg,
			    int stacksize, int prio)
{
	struct hyp_thread *t = NULL;

	(void)prio;
	if (hyp_thread_create(NULL, name, function, arg,
			      stacksize > 0 ? (size_t)stacksize : 0) != 0)
		hyp_panic("sys_thread_new: cannot create thread %s", name);
	return t;
}
