/*
 * iperf.h - the httpd's optional iperf2 TCP endpoint (bench only).
 * Not here: anything the httpd serves.
 */
#ifndef RUMPNET_APPS_IPERF_H
#define RUMPNET_APPS_IPERF_H

/* Start lwIP's lwiperf on TCP 5001 when the parameter iperf=on is
 * given; otherwise do nothing. Call after the stack is up. */
void iperf_start(void);

#endif /* RUMPNET_APPS_IPERF_H */
