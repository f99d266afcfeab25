/*
 * config.h - app configuration: per-instance parameter, else the
 * profile's default compiled into the image (RUMPNET_PARAM_DEFAULTS).
 * Not here: parsing of specific values (each user parses its own).
 */
#ifndef RUMPNET_APPS_CONFIG_H
#define RUMPNET_APPS_CONFIG_H

#include <stddef.h>

/* The value of `key` copied into buf, or NULL if neither the instance
 * nor the profile sets it (or it does not fit). May block. */
const char *cfg_get(const char *key, char *buf, size_t len);
/* printf-style key ("nic%d.mode"); same result. */
const char *cfg_getf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The value as a decimal integer, or dflt if unset or not a number. */
long cfg_int(const char *key, long dflt);

#endif /* RUMPNET_APPS_CONFIG_H */
