/*
 * rumpnet/hyper.h - the rumpnet hypercall interface.
 *
 * This is the one boundary between a platform and everything above it.
 * Two platforms implement it: minios (a Xen PV/PVH guest kernel, in
 * appliance/minios/) and posix (a Linux process on TAP devices, in
 * appliance/posix/). The TCP/IP glue (appliance/rumptcpip/) and the apps
 * (appliance/apps/) use this header and nothing below it, in the spirit
 * of the rump kernel hypercall interface (rumpuser).
 *
 * Not here: anything about Xen, Linux, lwIP, HTTP or routing.
 *
 * Conventions
 *   - Functions returning int return 0 on success or a negative HYP_E*
 *     code. Nothing sets errno.
 *   - "May block" means the calling thread may be descheduled until
 *     something happens. Only call blocking functions from a thread
 *     created with hyp_thread_create() (or the main thread); never from
 *     a NIC receive callback.
 *   - Threads on minios are cooperative, on posix they are preemptive
 *     pthreads. Code above this interface must be correct under both:
 *     protect shared state with hyp_mutex, never rely on "no preemption".
 *   - Times are nanoseconds. Monotonic time starts near 0 at boot.
 *   - Platform-specific C library: on posix the system libc; on minios a
 *     small freestanding libc (string.h, stdlib.h subset, snprintf).
 */
#ifndef RUMPNET_HYPER_H
#define RUMPNET_HYPER_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define HYP_ENOENT    (-2)   /* no such parameter / device */
#define HYP_EIO       (-5)   /* device or platform I/O error */
#define HYP_E2BIG     (-7)   /* result does not fit the buffer given */
#define HYP_EAGAIN    (-11)  /* try again: ring full, lock busy */
#define HYP_ENOMEM    (-12)  /* out of memory */
#define HYP_EBUSY     (-16)  /* resource in use */
#define HYP_EINVAL    (-22)  /* bad argument */
#define HYP_ETIMEDOUT (-110) /* deadline passed */
#define HYP_ENOTCONN  (-107) /* NIC backend not connected (yet/anymore) */

#define HYP_NORETURN __attribute__((noreturn))
#define HYP_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* ------------------------------------------------------------------ */
/* Entry point                                                         */
/* ------------------------------------------------------------------ */

/*
 * rumpnet_main - provided by the app, called by the platform.
 * Called once, in the first thread, after the platform has initialised
 * console, memory, clock, threads and parameters (NICs are enumerated
 * but not opened). Returning from it is hyp_exit(HYP_EXIT_POWEROFF, ret).
 * May block.
 */
int rumpnet_main(void);

/* ------------------------------------------------------------------ */
/* Console and logging                                                 */
/* ------------------------------------------------------------------ */

/* Write n bytes to the console (Xen console ring / stderr). Never fails;
 * on Xen it waits for ring space, so it may block (spins if called
 * before threads run). */
void hyp_console_write(const char *s, size_t n);

/* printf-style console output. Returns the number of characters
 * written. May block like hyp_console_write(). */
int hyp_printf(const char *fmt, ...) HYP_PRINTF(1, 2);
int hyp_vprintf(const char *fmt, va_list ap);

/* ------------------------------------------------------------------ */
/* Exit, panic                                                         */
/* ------------------------------------------------------------------ */

enum hyp_exit_how {
	HYP_EXIT_POWEROFF = 0, /* clean stop; xl: shutdown reason poweroff */
	HYP_EXIT_REBOOT = 1,   /* xl: reason reboot (restart by default) */
	HYP_EXIT_CRASH = 3,    /* xl: reason crash; posix: abort() */
};

/* Stop the appliance. `status` is printed on the console as
 * "rumpnet: exit <how> status <status>" and is the process exit code
 * on posix. Never returns. */
void hyp_exit(enum hyp_exit_how how, int status) HYP_NORETURN;

/* Print "rumpnet: PANIC: <message>" plus a backtrace-ish line (return
 * addresses of the current stack) and exit with HYP_EXIT_CRASH.
 * Usable from any context, including before threads run. */
void hyp_panic(const char *fmt, ...) HYP_PRINTF(1, 2) HYP_NORETURN;

/* ------------------------------------------------------------------ */
/* Memory                                                              */
/* ------------------------------------------------------------------ */

/* Allocate size bytes aligned to 16. Returns NULL when out of memory
 * (the platform also counts the failure, see hyp_mem_stats). Never
 * blocks. */
void *hyp_malloc(size_t size);
/* As hyp_malloc, zeroed, with overflow check on n * size. */
void *hyp_calloc(size_t n, size_t size);
/* Allocate with `align` a power of two >= 16 (4096 for pages). */
void *hyp_memalign(size_t align, size_t size);
/* Free memory from any of the above. NULL is ignored. Never blocks. */
void hyp_free(void *p);

struct hyp_mem_stats {
	uint64_t total;      /* bytes the allocator manages */
	uint64_t used;       /* bytes currently allocated */
	uint64_t peak;       /* high-water mark of used */
	uint64_t failures;   /* allocation requests that returned NULL */
};
void hyp_mem_stats(struct hyp_mem_stats *st);

/* ------------------------------------------------------------------ */
/* Clock                                                               */
/* ------------------------------------------------------------------ */

/* Monotonic time in ns since an arbitrary point near boot. Never
 * blocks. */
uint64_t hyp_clock_monotonic(void);
/* Wall-clock time in ns since the Unix epoch (best effort). */
int64_t hyp_clock_wall(void);
/* Block the calling thread until monotonic time >= abs_ns. */
void hyp_sleep_until(uint64_t abs_ns);
/* Block the calling thread for at least ns nanoseconds. */
void hyp_sleep(uint64_t ns);

/* ------------------------------------------------------------------ */
/* Threads                                                             */
/* ------------------------------------------------------------------ */

struct hyp_thread;

/* Run fn(arg) in a new thread named `name` (copied; for diagnostics)
 * with a stack of at least `stack_size` bytes (0 = platform default,
 * 16 KiB or more). If `out` is non-NULL the thread is joinable and must
 * be joined with hyp_thread_join(); otherwise it is detached.
 * Errors: HYP_ENOMEM. Never blocks (the new thread runs later). */
int hyp_thread_create(struct hyp_thread **out, const char *name,
		      void (*fn)(void *), void *arg, size_t stack_size);
/* End the calling thread. Returning from fn does the same. */
void hyp_thread_exit(void) HYP_NORETURN;
/* Wait until joinable thread t has ended, then free it. May block. */
int hyp_thread_join(struct hyp_thread *t);
/* Let other runnable threads run. May block (briefly). */
void hyp_thread_yield(void);
/* The calling thread; NULL before threads run. */
struct hyp_thread *hyp_thread_self(void);
/* The name given at creation ("main" for the first thread). */
const char *hyp_thread_name(const struct hyp_thread *t);

/* ------------------------------------------------------------------ */
/* Locks, condition variables, semaphores                              */
/* ------------------------------------------------------------------ */

struct hyp_mutex;
struct hyp_cond;
struct hyp_sem;

/* Create/destroy. Errors: HYP_ENOMEM. Never block. Destroying an object
 * that a thread waits on is a bug (panics on minios). */
int hyp_mutex_create(struct hyp_mutex **out);
void hyp_mutex_destroy(struct hyp_mutex *m);
/* Lock; may block. Not recursive: relocking by the owner panics. */
void hyp_mutex_lock(struct hyp_mutex *m);
/* Returns 0 if taken, HYP_EBUSY if held. Never blocks. */
int hyp_mutex_trylock(struct hyp_mutex *m);
/* Unlock; the caller must hold it. Never blocks. */
void hyp_mutex_unlock(struct hyp_mutex *m);

int hyp_cond_create(struct hyp_cond **out);
void hyp_cond_destroy(struct hyp_cond *c);
/* Atomically release m and wait; m is held again on return. Spurious
 * wake-ups are allowed. May block. */
void hyp_cond_wait(struct hyp_cond *c, struct hyp_mutex *m);
/* As hyp_cond_wait with a deadline in monotonic ns. Returns 0 when
 * signalled, HYP_ETIMEDOUT when the deadline passed. May block. */
int hyp_cond_timedwait(struct hyp_cond *c, struct hyp_mutex *m,
		       uint64_t abs_ns);
/* Wake one / all waiters. Never block. Callable from NIC callbacks. */
void hyp_cond_signal(struct hyp_cond *c);
void hyp_cond_broadcast(struct hyp_cond *c);

/* Counting semaphore with initial value `value`. */
int hyp_sem_create(struct hyp_sem **out, unsigned int value);
void hyp_sem_destroy(struct hyp_sem *s);
/* Increment; never blocks; callable from NIC callbacks. */
void hyp_sem_post(struct hyp_sem *s);
/* Decrement, waiting until positive or abs_ns (0 = no deadline).
 * Returns 0 or HYP_ETIMEDOUT. May block. */
int hyp_sem_wait(struct hyp_sem *s, uint64_t abs_ns);
/* Decrement if positive: 0, else HYP_EAGAIN. Never blocks. */
int hyp_sem_trywait(struct hyp_sem *s);

/* ------------------------------------------------------------------ */
/* Configuration parameters                                            */
/* ------------------------------------------------------------------ */

/*
 * Per-instance parameters, keyed by dotted names ("nic0.ipv4",
 * "http.port"). On minios they are read from xenstore under the
 * domain's own path (~/rumpnet/<key>, each '.' becoming '/' since
 * xenstore node names cannot contain dots: nic0.ipv4 is read from
 * ~/rumpnet/nic0/ipv4); on posix from the command line
 * (key=value arguments) or the environment (RUMPNET_<KEY> with dots as
 * underscores, upper case). Apps fall back to the defaults generated
 * from the profile (see appliance/apps/config.c).
 *
 * Copies the NUL-terminated value into buf. Returns its length,
 * HYP_ENOENT if unset, HYP_E2BIG if len is too small. May block.
 */
int hyp_param_get(const char *key, char *buf, size_t len);

/*
 * Publish a piece of the appliance's state for the host, keyed like the
 * parameters ("nic0.ipv4" = "192.0.2.10/24"). On minios it is written to
 * xenstore ~/rumpnet/state/<key, dots as slashes>, which the toolstack
 * (rumpnet run, rumpnet deploy) makes writable for the domain: this is how
 * a deployment learns that the appliance is ready. On posix there is no
 * such store: the console line is the report, and it returns HYP_ENOENT.
 * Errors: HYP_EINVAL (bad key), HYP_EIO (the host gave no place for it).
 * Callers treat failure as harmless. May block.
 */
int hyp_state_set(const char *key, const char *value);

/* The content archive (cpio newc) given to the appliance at boot: the
 * PV ramdisk module on Xen, the file named by the "content" parameter
 * on posix. Read-only, valid for the life of the appliance. Returns 0,
 * or HYP_ENOENT when there is none. Never blocks. */
int hyp_content(const void **base, size_t *len);

/* ------------------------------------------------------------------ */
/* Network interfaces: Ethernet frames in and out                      */
/* ------------------------------------------------------------------ */

struct hyp_nic;

struct hyp_nic_info {
	uint8_t mac[6];     /* the NIC's MAC (backend's / TAP's) */
	uint16_t mtu;       /* L3 MTU, 1500 unless configured */
	char name[16];      /* platform name: "vif/0", "tap0" */
};

struct hyp_nic_counters {
	uint64_t tx;        /* frames handed to the backend */
	uint64_t rx;        /* frames delivered to the rx callback */
	uint64_t tx_bytes;
	uint64_t rx_bytes;
	uint64_t tx_full;   /* xmit refused: ring/queue full */
	uint64_t rx_nobuf;  /* frames lost: no receive buffer posted */
	uint64_t errors;    /* malformed responses, backend errors */
	uint64_t reconnects;/* backend disconnect/reconnect cycles */
};

/* A received frame. `data`/`len` stay valid until hyp_nic_frame_done()
 * is called for it; the receiver may keep it (zero copy) or copy and
 * release at once. Frames must be released, in any order. */
struct hyp_frame {
	void *data;
	size_t len;
	void *priv;         /* platform's: do not touch */
};

/* Called for each received frame, in a platform thread that the
 * platform created for this NIC. Must not block for long; may take a
 * hyp_mutex briefly, post semaphores and signal condvars. */
typedef void (*hyp_nic_rx_fn)(void *arg, struct hyp_frame *frame);

/* Number of NICs the platform found (vifs on Xen, taps on posix). */
int hyp_nic_count(void);
/* Connect NIC `index` (0-based) and start receiving into rx(arg, ...).
 * Fills *info. Errors: HYP_ENOENT (no such NIC), HYP_EIO (backend
 * handshake failed), HYP_ENOMEM. May block (xenstore handshake). */
int hyp_nic_open(int index, hyp_nic_rx_fn rx, void *arg,
		 struct hyp_nic **out, struct hyp_nic_info *info);
/* Release a received frame back to the driver. Never blocks. */
void hyp_nic_frame_done(struct hyp_nic *nic, struct hyp_frame *frame);

#define HYP_NIC_MORE 0x1    /* more frames follow: defer the notify */

/* Send one Ethernet frame given as iovcnt pieces (at most 8, total at
 * most mtu + 14 bytes; the data is copied or granted before return, so
 * the caller may reuse it). With HYP_NIC_MORE the backend is not yet
 * notified; the next call without it (or hyp_nic_flush) notifies once
 * for the batch. Errors: HYP_EAGAIN (ring full; counted in tx_full),
 * HYP_ENOTCONN (backend gone), HYP_EINVAL (too long). Never blocks. */
struct hyp_iovec {
	const void *base;
	size_t len;
};
int hyp_nic_xmit(struct hyp_nic *nic, const struct hyp_iovec *iov,
		 int iovcnt, int flags);
/* Notify the backend of frames queued with HYP_NIC_MORE. */
void hyp_nic_flush(struct hyp_nic *nic);
void hyp_nic_get_counters(struct hyp_nic *nic, struct hyp_nic_counters *c);
/* Disconnect; outstanding frames are released. May block. */
void hyp_nic_close(struct hyp_nic *nic);

#endif /* RUMPNET_HYPER_H */
