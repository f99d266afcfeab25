/*
 * status.c - the httpd's /.rumpnet/status JSON: uptime, connections,
 * requests, platform memory, lwIP pool and link statistics, NIC
 * counters. Disabled with http.status=0 (httpd.c then answers 404).
 * Not here: any way to change state (read-only).
 */
#include <stdarg.h>
#include <stdio.h>

#include "lwip/memp.h"
#include "lwip/stats.h"
#include "rumptcpip.h"
#include "httpd.h"

struct out {
	char *buf;
	size_t len, off;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->off >= o->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->off, o->len - o->off, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->off += (size_t)n;
	if (o->off >= o->len)
		o->off = o->len - 1;
}

static const char *const pool_names[] = {
#define LWIP_MEMPOOL(name, num, size, desc) #name,
#include "lwip/priv/memp_std.h"
};

static void put_pools(struct out *o)
{
	put(o, "\"pools\":{");
	for (int i = 0; i < MEMP_MAX; i++) {
		const struct stats_mem *m = lwip_stats.memp[i];

		put(o, "%s\"%s\":{\"avail\":%u,\"used\":%u,\"max\":%u,\"err\":%u}", i ? "," : "",
		    pool_names[i], (unsigned)m->avail, (unsigned)m->used, (unsigned)m->max,
		    (unsigned)m->err);
	}
	put(o, "},\"link\":{\"recv\":%u,\"xmit\":%u,\"drop\":%u,\"memerr\":%u}",
	    (unsigned)lwip_stats.link.recv, (unsigned)lwip_stats.link.xmit,
	    (unsigned)lwip_stats.link.drop, (unsigned)lwip_stats.link.memerr);
	put(o, ",\"tcp\":{\"recv\":%u,\"xmit\":%u,\"drop\":%u,\"err\":%u}",
	    (unsigned)lwip_stats.tcp.recv, (unsigned)lwip_stats.tcp.xmit,
	    (unsigned)lwip_stats.tcp.drop, (unsigned)lwip_stats.tcp.err);
}

static void put_nics(struct out *o)
{
	put(o, "\"nics\":[");
	for (int i = 0; i < hypif_count(); i++) {
		struct hyp_nic_counters c;

		hypif_counters(hypif_get(i), &c);
		put(o, "%s{\"name\":\"%s\",\"tx\":%llu,\"rx\":%llu,\"tx_bytes\":%llu,"
		    "\"rx_bytes\":%llu,\"tx_full\":%llu,\"rx_nobuf\":%llu,\"errors\":%llu}",
		    i ? "," : "", hypif_name(hypif_get(i)), (unsigned long long)c.tx,
		    (unsigned long long)c.rx, (unsigned long long)c.tx_bytes,
		    (unsigned long long)c.rx_bytes, (unsigned long long)c.tx_full,
		    (unsigned long long)c.rx_nobuf, (unsigned long long)c.errors);
	}
	put(o, "]");
}

size_t status_json(char *buf, size_t len)
{
	struct out o = { buf, len, 0 };
	struct hyp_mem_stats m;
	const struct httpd_stats *s = &httpd_stats;

	hyp_mem_stats(&m);
	put(&o, "{\"uptime_s\":%llu,\"files\":%zu,",
	    (unsigned long long)((hyp_clock_monotonic() - s->started_ns) / 1000000000ull), s->files);
	put(&o, "\"connections\":{\"active\":%llu,\"total\":%llu,\"rejected\":%llu},",
	    (unsigned long long)s->conns_active, (unsigned long long)s->conns_total,
	    (unsigned long long)s->conns_rejected);
	put(&o, "\"requests\":{\"total\":%llu,\"2xx\":%llu,\"4xx\":%llu,\"5xx\":%llu},",
	    (unsigned long long)s->requests, (unsigned long long)s->resp_2xx,
	    (unsigned long long)s->resp_4xx, (unsigned long long)s->resp_5xx);
	put(&o, "\"mem\":{\"total\":%llu,\"used\":%llu,\"peak\":%llu,\"failures\":%llu},",
	    (unsigned long long)m.total, (unsigned long long)m.used,
	    (unsigned long long)m.peak, (unsigned long long)m.failures);
	put(&o, "\"lwip\":{");
	put_pools(&o);
	put(&o, "},");
	put_nics(&o);
	put(&o, "}\n");
	return o.off;
}
