/*
 * posix_impl.h - private glue between the POSIX platform's files.
 *
 * Holds what one posix source file hands another: the command line for
 * parameters, the NIC enumeration done at start. Not a public header:
 * nothing outside appliance/posix/ includes it.
 */
#ifndef RUMPNET_POSIX_IMPL_H
#define RUMPNET_POSIX_IMPL_H

#include <rumpnet/hyper.h>

/* param.c: remember key=value arguments (argv[1..]). */
void posix_param_init(int argc, char **argv);
/* mem.c: read the mem_limit parameter (bytes, default 512 MiB). */
void posix_mem_init(void);
/* clock.c: fix the monotonic origin. */
void posix_clock_init(void);
/* clock.c: a monotonic deadline as a CLOCK_MONOTONIC timespec. */
struct timespec;
void posix_deadline(uint64_t abs_ns, struct timespec *ts);
/* thread.c: register the main thread as "main". */
void posix_thread_init(void);
/* tap.c: count nic<N>.tap parameters. */
void posix_tap_init(void);
/* console.c: raw write of a whole buffer to stderr. */
void posix_console_raw(const char *s, size_t n);

#endif /* RUMPNET_POSIX_IMPL_H */
