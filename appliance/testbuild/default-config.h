/*
 * default-config.h - the build configuration used when no profile is
 * given (make without CONFIG_H). `rumpnet gen` renders the same shape
 * from a profile (gen/templates/config.h.j2).
 *
 * RUMPNET_PARAM_DEFAULTS is the parameter table compiled into the image:
 * the same keys that hyp_param_get() reads per instance, so a value set
 * at boot (xenstore ~/rumpnet/<key>, or key=value on posix) overrides
 * the profile's default of the same name.
 */
#define RUMPNET_KIND "httpd"
#define RUMPNET_NICS 1
#define RUMPNET_PARAM_DEFAULTS \
	{ "kind", "httpd" }, \
	{ "name", "httpd" }, \
	{ "log_level", "info" }, \
	{ "nics", "1" }, \
	{ "nic0.mode", "dhcp" }, \
	{ "nic0.mtu", "1500" }, \
	{ "nic0.mac", "auto" }, \
	{ "nic0.ipv6", "slaac" }, \
	{ "routes", "0" }, \
	{ "http.port", "80" }, \
	{ "http.status", "1" }, \
	{ "http.max_conns", "64" }, \
	{ "http.max_header_bytes", "8192" },
