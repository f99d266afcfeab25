/*
 * events.h - minios event channels (2-level ABI).
 *
 * Handlers run in the upcall, with events masked, on whatever stack was
 * interrupted: they must not block, allocate or print; they wake
 * threads (sched.h) and return. Binding a handler unmasks the port.
 * Not here: FIFO ABI, multiple vCPUs, PIRQs.
 */
#ifndef MINIOS_EVENTS_H
#define MINIOS_EVENTS_H

#include <minios/os.h>

typedef void (*evtchn_handler_t)(evtchn_port_t port, void *arg);

void events_init(void);
/* Attach handler to an already-bound port and unmask it. HYP_EINVAL if
 * the port is out of range. */
int evtchn_bind(evtchn_port_t port, evtchn_handler_t h, void *arg);
/* Mask the port and detach its handler (the port stays open). */
void evtchn_unbind(evtchn_port_t port);
/* Bind a VIRQ on vCPU 0 with handler h: returns the port or < 0. */
int evtchn_bind_virq(uint32_t virq, evtchn_handler_t h, void *arg);
/* Allocate a port for remote domain `remote` to bind to: port or < 0. */
int evtchn_alloc_unbound(domid_t remote, evtchn_handler_t h, void *arg);
/* Connect to remote's unbound port: local port or < 0. */
int evtchn_bind_interdomain(domid_t remote, evtchn_port_t rport,
			    evtchn_handler_t h, void *arg);
/* Unbind and close the port. */
int evtchn_close(evtchn_port_t port);
void evtchn_mask(evtchn_port_t port);
void evtchn_unmask(evtchn_port_t port);
int evtchn_send(evtchn_port_t port);
/* Events handled since boot (all ports), for diagnostics. */
unsigned long evtchn_count(void);

#endif /* MINIOS_EVENTS_H */
