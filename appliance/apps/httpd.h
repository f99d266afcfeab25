/*
 * httpd.h - state the httpd shares between its files.
 * Not here: connection internals (httpd.c).
 */
#ifndef RUMPNET_APPS_HTTPD_H
#define RUMPNET_APPS_HTTPD_H

#include <stddef.h>
#include <stdint.h>

struct httpd_stats {
	uint64_t conns_total, conns_active, conns_rejected;
	uint64_t requests, resp_2xx, resp_4xx, resp_5xx;
	uint64_t started_ns;
	size_t files;
};

extern struct httpd_stats httpd_stats;	/* protected by the core lock */

/* Render the /.rumpnet/status JSON into buf; returns its length (at
 * most len - 1). Called with the core lock held. */
size_t status_json(char *buf, size_t len);

#endif /* RUMPNET_APPS_HTTPD_H */
