/*
 * arch/cc.h - lwIP's compiler/platform header for rumpnet.
 *
 * Everything comes from hyper.h and freestanding C: diagnostics go to
 * the console, assertions panic, random numbers come from sys_arch.c.
 * Same on posix and minios. Not here: byte order detection beyond x86
 * (both platforms are little-endian x86_64).
 */
#ifndef RUMPNET_ARCH_CC_H
#define RUMPNET_ARCH_CC_H

#include <stdint.h>
#include <string.h>
#include <rumpnet/hyper.h>

#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif

/* Freestanding: no inttypes.h or ctype.h on minios. */
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H 1
#define X8_F  "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

#define LWIP_PLATFORM_DIAG(x) do { hyp_printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) \
	hyp_panic("lwIP assertion \"%s\" failed at %s:%d", x, __FILE__, __LINE__)

uint32_t rumptcpip_rand(void);
#define LWIP_RAND() rumptcpip_rand()

#endif /* RUMPNET_ARCH_CC_H */
