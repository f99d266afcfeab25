/*
 * router-config.h - build configuration for `make testbuild` of the
 * router (testbuild/posix-router.conf): the shape `rumpnet gen` renders
 * for a two-NIC router with one static route. Not a shipped profile.
 */
#define RUMPNET_KIND "router"
#define RUMPNET_NICS 2
#define RUMPNET_PARAM_DEFAULTS \
	{ "kind", "router" }, \
	{ "name", "router" }, \
	{ "log_level", "info" }, \
	{ "nics", "2" }, \
	{ "nic0.mode", "static" }, \
	{ "nic0.ipv4", "192.0.2.1/24" }, \
	{ "nic0.mtu", "1500" }, \
	{ "nic0.mac", "auto" }, \
	{ "nic0.ipv6", "off" }, \
	{ "nic1.mode", "static" }, \
	{ "nic1.ipv4", "198.51.100.1/25" }, \
	{ "nic1.mtu", "1500" }, \
	{ "nic1.mac", "auto" }, \
	{ "nic1.ipv6", "off" }, \
	{ "routes", "1" }, \
	{ "route0", "198.51.100.128/25 via 198.51.100.126" },
