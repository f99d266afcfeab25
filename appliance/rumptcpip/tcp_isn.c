/*
 * tcp_isn.c - TCP initial sequence numbers per RFC 6528:
 * ISN = M + F(local ip, local port, remote ip, remote port, secret),
 * M a 4-microsecond clock, F SipHash-2-4 keyed with a 128-bit secret
 * drawn at first use. Replaces lwIP's predictable counter through
 * LWIP_HOOK_TCP_ISN. Called with the core lock held.
 * Not here: the random source (sys_arch.c).
 */
#include "lwip/sys.h"
#include "rumptcpip_hooks.h"

static uint64_t key[2];
static int keyed;

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

/* SipHash-2-4 of n 64-bit words (n * 8 bytes, little-endian words). */
static uint64_t siphash(const uint64_t *m, int n)
{
	uint64_t v0 = key[0] ^ 0x736f6d6570736575ull, v1 = key[1] ^ 0x646f72616e646f6dull;
	uint64_t v2 = key[0] ^ 0x6c7967656e657261ull, v3 = key[1] ^ 0x7465646279746573ull;
	uint64_t b = (uint64_t)(n * 8) << 56;

	for (int i = 0; i < n; i++) {
		v3 ^= m[i];
		SIPROUND;
		SIPROUND;
		v0 ^= m[i];
	}
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static void addr_words(const ip_addr_t *a, uint64_t *w)
{
	uint32_t x[4] = { 0, 0, 0, 0 };

	if (IP_IS_V6(a))
		memcpy(x, ip_2_ip6(a)->addr, sizeof(x));
	else
		x[0] = ip4_addr_get_u32(ip_2_ip4(a));
	w[0] = (uint64_t)x[0] << 32 | x[1];
	w[1] = (uint64_t)x[2] << 32 | x[3];
}

u32_t rumptcpip_tcp_isn(const ip_addr_t *local_ip, u16_t local_port,
			const ip_addr_t *remote_ip, u16_t remote_port)
{
	uint64_t m[5];

	if (!keyed) {
		key[0] = (uint64_t)LWIP_RAND() << 32 | LWIP_RAND();
		key[1] = (uint64_t)LWIP_RAND() << 32 | LWIP_RAND();
		keyed = 1;
	}
	addr_words(local_ip, m);
	addr_words(remote_ip, m + 2);
	m[4] = (uint64_t)local_port << 16 | remote_port;
	return (u32_t)(hyp_clock_monotonic() / 4000) + (u32_t)siphash(m, 5);
}
