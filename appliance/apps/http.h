/*
 * http.h - HTTP/1.1 request parsing and response helpers for the httpd.
 * Not here: connections (httpd.c), the status page (status.c).
 */
#ifndef RUMPNET_APPS_HTTP_H
#define RUMPNET_APPS_HTTP_H

#include <stddef.h>
#include <stdint.h>

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_OTHER_KNOWN, HTTP_UNKNOWN };

struct http_req {
	enum http_method method;
	char path[512];		/* decoded, normalised, no leading "/" */
	size_t path_len;
	int minor;		/* HTTP/1.<minor> */
	int keep_alive;		/* after Connection: and version */
	int has_host;
	long content_length;	/* -1 if absent */
	int chunked;		/* Transfer-Encoding present */
};

/*
 * Parse the request head in buf[0..len) (which ends with CRLFCRLF).
 * Returns 0, or the HTTP status to answer with: 400 (malformed, bad
 * path, traversal, missing Host in 1.1), 414 (path too long), 505
 * (not HTTP/1.x), 501 (Transfer-Encoding).
 */
int http_parse(const char *buf, size_t len, struct http_req *req);
/* Content-Type for a file name (by extension). */
const char *http_mime(const char *name, size_t n);
/* Reason phrase for a status code. */
const char *http_reason(int status);

#endif /* RUMPNET_APPS_HTTP_H */
