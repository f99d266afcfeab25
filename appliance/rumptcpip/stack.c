/*
 * stack.c - starting lwIP: tcpip_init() and waiting until its thread
 * runs. Not here: netifs (netif_hyp.c), addressing (apps/netcfg.c).
 */
#include "lwip/tcpip.h"
#include "rumptcpip.h"

static void started(void *arg)
{
	hyp_sem_post(arg);
}

void rumptcpip_init(void)
{
	struct hyp_sem *done;

	if (hyp_sem_create(&done, 0) != 0)
		hyp_panic("rumptcpip_init: out of memory");
	tcpip_init(started, done);
	hyp_sem_wait(done, 0);
	hyp_sem_destroy(done);
}
