/*
 * iperf.c - the httpd's optional iperf2 TCP endpoint, for `rumpnet bench`:
 * lwIP's own lwiperf (built from the fetched lwIP tree, src/apps/lwiperf)
 * listening on TCP 5001, started only when the parameter iperf=on is set
 * (command line on posix, xenstore on Xen, through cfg_get()).
 * lwiperf receives (iperf -c) and, when the client asks for a tradeoff or
 * dual test (iperf -r / -d), connects back and sends.
 * Not here: UDP (lwiperf has none), anything the httpd serves.
 */
#include <string.h>

#include "lwip/apps/lwiperf.h"
#include "lwip/tcpip.h"
#include "config.h"
#include "iperf.h"

static const char *const kinds[] = {
	"done-server", "done-client", "aborted-local", "aborted-local-dataerror",
	"aborted-local-txerror", "aborted-remote",
};

static void report(void *arg, enum lwiperf_report_type type, const ip_addr_t *local_addr,
		   u16_t local_port, const ip_addr_t *remote_addr, u16_t remote_port,
		   u32_t bytes, u32_t ms, u32_t kbit_s)
{
	(void)arg;
	(void)local_addr;
	(void)local_port;
	(void)remote_addr;
	(void)remote_port;
	hyp_printf("rumpnet: iperf %s bytes=%lu ms=%lu kbit_s=%lu\n",
		   (unsigned)type < sizeof(kinds) / sizeof(kinds[0]) ? kinds[type] : "?",
		   (unsigned long)bytes, (unsigned long)ms, (unsigned long)kbit_s);
}

void iperf_start(void)
{
	char buf[8];
	void *h;

	if (cfg_get("iperf", buf, sizeof(buf)) == NULL || strcmp(buf, "on") != 0)
		return;
	LOCK_TCPIP_CORE();
	h = lwiperf_start_tcp_server_default(report, NULL);
	UNLOCK_TCPIP_CORE();
	if (h == NULL)
		hyp_panic("httpd: iperf: cannot listen on port %d", LWIPERF_TCP_PORT_DEFAULT);
	hyp_printf("rumpnet: iperf listening port=%d\n", LWIPERF_TCP_PORT_DEFAULT);
}
