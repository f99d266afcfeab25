/*
 * http_parse.c - strict parser for HTTP/1.x request heads (RFC 9112
 * request line and header fields), path decoding and normalisation.
 *
 * The path is percent-decoded; "." segments are dropped, any ".."
 * segment, NUL, backslash or control byte is a 400, so nothing can name
 * a file outside the archive. The query string is ignored.
 * Not here: bodies (a GET/HEAD body of Content-Length bytes is skipped
 * by httpd.c), absolute-form targets beyond "http://host/path".
 */
#include <string.h>
#include <stdlib.h>

#include "http.h"

static int is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int ieq(const char *a, size_t n, const char *b)
{
	if (strlen(b) != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char x = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] + 32) : a[i];

		if (x != b[i])
			return 0;
	}
	return 1;
}

/* Does the comma-separated header value contain token `t`? */
static int has_token(const char *v, size_t n, const char *t)
{
	size_t i = 0;

	while (i < n) {
		size_t s, e;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (ieq(v + s, e - s, t))
			return 1;
	}
	return 0;
}

/* Decode and normalise target[0..n) into req->path. */
static int set_path(struct http_req *req, const char *t, size_t n)
{
	char dec[512];
	size_t d = 0, o = 0, i;

	if (n > 7 && strncmp(t, "http://", 7) == 0) {	/* absolute-form */
		const char *slash = memchr(t + 7, '/', n - 7);

		if (slash == NULL)
			return 400;
		n -= (size_t)(slash - t);
		t = slash;
	}
	if (n == 0 || t[0] != '/')
		return 400;
	for (i = 0; i < n && t[i] != '?' && t[i] != '#'; i++) {
		char c = t[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n || (hi = hexval(t[i + 1])) < 0 || (lo = hexval(t[i + 2])) < 0)
				return 400;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if ((unsigned char)c < 0x20 || c == 0x7f || c == '\\')
			return 400;
		if (d + 1 >= sizeof(dec))
			return 414;
		dec[d++] = c;
	}
	/* Split on '/', drop empty and "." segments, refuse "..". */
	for (i = 0; i < d;) {
		size_t s = i, len;

		while (i < d && dec[i] != '/')
			i++;
		len = i - s;
		if (i < d)
			i++;
		if (len == 0 || (len == 1 && dec[s] == '.'))
			continue;
		if (len == 2 && dec[s] == '.' && dec[s + 1] == '.')
			return 400;
		if (o != 0)
			req->path[o++] = '/';
		memcpy(req->path + o, dec + s, len);
		o += len;
	}
	/* A directory (trailing slash or root) means its index.html. */
	if (o == 0 || dec[d - 1] == '/') {
		const char *idx = o == 0 ? "index.html" : "/index.html";

		if (o + strlen(idx) + 1 > sizeof(req->path))
			return 414;
		memcpy(req->path + o, idx, strlen(idx));
		o += strlen(idx);
	}
	req->path[o] = '\0';
	req->path_len = o;
	return 0;
}

static int parse_request_line(const char *p, size_t n, struct http_req *req)
{
	const char *sp1 = memchr(p, ' ', n), *sp2;
	static const char *const others[] = { "POST", "PUT", "DELETE", "OPTIONS", "PATCH",
					      "TRACE", "CONNECT", NULL };
	size_t mlen;
	int ret;

	if (sp1 == NULL || sp1 == p)
		return 400;
	mlen = (size_t)(sp1 - p);
	for (size_t i = 0; i < mlen; i++)
		if (!is_tchar(p[i]))
			return 400;
	sp2 = memchr(sp1 + 1, ' ', n - mlen - 1);
	if (sp2 == NULL || sp2 == sp1 + 1 || memchr(sp2 + 1, ' ', n - (size_t)(sp2 + 1 - p)))
		return 400;
	if (mlen == 3 && memcmp(p, "GET", 3) == 0)
		req->method = HTTP_GET;
	else if (mlen == 4 && memcmp(p, "HEAD", 4) == 0)
		req->method = HTTP_HEAD;
	else {
		req->method = HTTP_UNKNOWN;
		for (int i = 0; others[i] != NULL; i++)
			if (strlen(others[i]) == mlen && memcmp(p, others[i], mlen) == 0)
				req->method = HTTP_OTHER_KNOWN;
	}
	n -= (size_t)(sp2 + 1 - p);
	if (n != 8 || memcmp(sp2 + 1, "HTTP/", 5) != 0 || sp2[7] != '.' ||
	    sp2[6] < '0' || sp2[6] > '9' || sp2[8] < '0' || sp2[8] > '9')
		return 400;
	if (sp2[6] != '1')
		return 505;
	req->minor = sp2[8] - '0';
	req->keep_alive = req->minor >= 1;
	ret = set_path(req, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	return ret;
}

/* RFC 9110 7.2: Host = uri-host [ ":" port ]; reg-name, IPv4 or an
 * IP-literal in brackets. Checks the character set, not the grammar. */
static int host_valid(const char *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = h[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("-._~!$&'()*+,;=%:[]", c) != NULL))
			return 0;
	}
	return 1;
}

static int parse_field(const char *p, size_t n, struct http_req *req)
{
	const char *colon = memchr(p, ':', n);
	size_t nlen, vs, ve;

	if (colon == NULL || colon == p)
		return 400;
	nlen = (size_t)(colon - p);
	for (size_t i = 0; i < nlen; i++)
		if (!is_tchar(p[i]))
			return 400;	/* also: no space before the colon */
	vs = nlen + 1;
	ve = n;
	while (vs < ve && (p[vs] == ' ' || p[vs] == '\t'))
		vs++;
	while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t'))
		ve--;
	for (size_t i = vs; i < ve; i++)
		if (((unsigned char)p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return 400;
	if (ieq(p, nlen, "host")) {
		if (req->has_host || !host_valid(p + vs, ve - vs))
			return 400;
		req->has_host = 1;
	} else if (ieq(p, nlen, "connection")) {
		if (has_token(p + vs, ve - vs, "close"))
			req->keep_alive = 0;
		else if (has_token(p + vs, ve - vs, "keep-alive"))
			req->keep_alive = 1;
	} else if (ieq(p, nlen, "content-length")) {
		long v = 0;

		if (ve == vs || req->content_length >= 0)
			return 400;
		for (size_t i = vs; i < ve; i++) {
			if (p[i] < '0' || p[i] > '9' || v > 100000000L)
				return 400;
			v = v * 10 + (p[i] - '0');
		}
		req->content_length = v;
	} else if (ieq(p, nlen, "transfer-encoding")) {
		req->chunked = 1;
	}
	return 0;
}

int http_parse(const char *buf, size_t len, struct http_req *req)
{
	size_t off = 0;
	int first = 1, ret;

	memset(req, 0, sizeof(*req));
	req->content_length = -1;
	/* RFC 9112 2.2: ignore at least one empty line before the request. */
	while (off + 1 < len && buf[off] == '\r' && buf[off + 1] == '\n')
		off += 2;
	while (off < len) {
		const char *eol = memchr(buf + off, '\n', len - off);
		size_t n;

		if (eol == NULL || eol == buf + off || eol[-1] != '\r')
			return 400;	/* bare LF or no CR */
		n = (size_t)(eol - 1 - (buf + off));
		if (n == 0)
			break;	/* end of head */
		if (memchr(buf + off, '\0', n) != NULL || memchr(buf + off, '\r', n) != NULL)
			return 400;
		if (first) {
			ret = parse_request_line(buf + off, n, req);
			first = 0;
		} else {
			if (buf[off] == ' ' || buf[off] == '\t')
				return 400;	/* obsolete line folding */
			ret = parse_field(buf + off, n, req);
		}
		if (ret != 0)
			return ret;
		off = (size_t)(eol + 1 - buf);
	}
	if (first)
		return 400;
	if (req->minor >= 1 && !req->has_host)
		return 400;
	if (req->chunked)
		return 501;
	return 0;
}

const char *http_mime(const char *name, size_t n)
{
	static const struct { const char *ext, *type; } types[] = {
		{ "html", "text/html; charset=utf-8" }, { "htm", "text/html; charset=utf-8" },
		{ "css", "text/css" }, { "js", "text/javascript" },
		{ "json", "application/json" }, { "txt", "text/plain; charset=utf-8" },
		{ "png", "image/png" }, { "jpg", "image/jpeg" }, { "jpeg", "image/jpeg" },
		{ "gif", "image/gif" }, { "svg", "image/svg+xml" }, { "ico", "image/x-icon" },
		{ "xml", "application/xml" }, { "pdf", "application/pdf" },
		{ "wasm", "application/wasm" }, { "woff2", "font/woff2" }, { "webp", "image/webp" },
	};
	size_t dot = n;

	while (dot > 0 && name[dot - 1] != '.' && name[dot - 1] != '/')
		dot--;
	if (dot > 0 && name[dot - 1] == '.')
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (ieq(name + dot, n - dot, types[i].ext))
				return types[i].type;
	return "application/octet-stream";
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	}
	return "Error";
}
