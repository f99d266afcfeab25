/*
 * httpd.c - the httpd appliance: HTTP/1.1 static server for the content
 * archive, on lwIP's raw TCP API (callbacks run under the core lock).
 *
 * Per connection: the request head is gathered into a buffer of
 * http.max_header_bytes (431 when it overflows), parsed (http_parse.c)
 * and answered; GET/HEAD with keep-alive, Content-Length, Content-Type,
 * 404, 405 (known methods) / 501 (unknown), 400, 414 (request line over
 * the limit), 408 (head not complete
 * in 10 s), 503 beyond http.max_conns. File bodies are sent zero-copy
 * from the mapped archive, resumed from the sent callback. Pipelined
 * requests are answered in order.
 * Not here: request bodies (skipped), ranges, conditional requests,
 * chunked encoding (501).
 */
#include <stdio.h>
#include <string.h>

#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "config.h"
#include "cpio.h"
#include "http.h"
#include "httpd.h"
#include "iperf.h"
#include "netcfg.h"

#define HEAD_TIMEOUT_S 10	/* a request head must complete within */
#define IDLE_TIMEOUT_S 30	/* keep-alive connections idle longer close */
#define POLL_INTERVAL 2		/* tcp_poll unit: 2 x 500 ms */

struct conn {
	struct tcp_pcb *pcb;
	char *buf;		/* request bytes not yet answered */
	size_t len;
	size_t skip;		/* request body bytes still to discard */
	const uint8_t *body;	/* file bytes still to send (zero-copy) */
	size_t body_left;
	int close_after;	/* close once the response is queued */
	int closing;
	uint32_t idle_s;	/* seconds without progress */
};

struct httpd_stats httpd_stats;
static struct cpio_index archive;
static size_t max_header = 8192;
static long max_conns = 64;
static int status_enabled = 1;

static void conn_free(struct conn *c)
{
	httpd_stats.conns_active--;
	hyp_free(c->buf);
	hyp_free(c);
}

static void conn_close(struct conn *c)
{
	struct tcp_pcb *pcb = c->pcb;

	tcp_arg(pcb, NULL);
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
	tcp_poll(pcb, NULL, 0);
	if (tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
	conn_free(c);
}

static void count(int status)
{
	if (status < 300)
		httpd_stats.resp_2xx++;
	else if (status < 500)
		httpd_stats.resp_4xx++;
	else
		httpd_stats.resp_5xx++;
}

static err_t write_head(struct tcp_pcb *pcb, int status, const char *type, size_t clen,
			int keep_alive, const char *extra, int more)
{
	char head[320];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nServer: rumpnet\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\n%s%s\r\n", status, http_reason(status), type,
			 clen, keep_alive ? "" : "Connection: close\r\n", extra);

	count(status);
	return tcp_write(pcb, head, (u16_t)n, TCP_WRITE_FLAG_COPY | (more ? TCP_WRITE_FLAG_MORE : 0));
}

/* An error answer with a short text body. */
static void respond_error(struct conn *c, int status, int keep_alive, int head_only)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%d %s\n", status, http_reason(status));
	const char *extra = status == 405 ? "Allow: GET, HEAD\r\n" : "";

	write_head(c->pcb, status, "text/plain; charset=utf-8", (size_t)n, keep_alive, extra, 1);
	if (!head_only)
		tcp_write(c->pcb, body, (u16_t)n, TCP_WRITE_FLAG_COPY);
	if (!keep_alive)
		c->close_after = 1;
}

/* Queue as much of the pending body as the send buffer takes. */
static void send_body(struct conn *c)
{
	while (c->body_left > 0) {
		size_t room = tcp_sndbuf(c->pcb);
		size_t n = c->body_left < room ? c->body_left : room;

		if (n > 16 * TCP_MSS)
			n = 16 * TCP_MSS;
		if (n == 0 || tcp_sndqueuelen(c->pcb) > TCP_SND_QUEUELEN - 20)
			break;
		if (tcp_write(c->pcb, c->body, (u16_t)n, n < c->body_left ? TCP_WRITE_FLAG_MORE : 0)
		    != ERR_OK)
			break;
		c->body += n;
		c->body_left -= n;
	}
}

static void serve(struct conn *c, const struct http_req *req)
{
	int head_only = req->method == HTTP_HEAD;
	const struct cpio_file *f;

	if (req->method == HTTP_OTHER_KNOWN) {
		respond_error(c, 405, req->keep_alive, 0);
		return;
	}
	if (req->method == HTTP_UNKNOWN) {
		respond_error(c, 501, 0, 0);
		return;
	}
	if (status_enabled && strcmp(req->path, ".rumpnet/status") == 0) {
		static char json[4096];
		size_t n = status_json(json, sizeof(json));

		write_head(c->pcb, 200, "application/json", n, req->keep_alive, "", !head_only);
		if (!head_only)
			tcp_write(c->pcb, json, (u16_t)n, TCP_WRITE_FLAG_COPY);
	} else if ((f = cpio_find(&archive, req->path, req->path_len)) != NULL) {
		write_head(c->pcb, 200, http_mime(f->name, f->name_len), f->size, req->keep_alive, "",
			   !head_only && f->size > 0);
		if (!head_only) {
			c->body = f->data;
			c->body_left = f->size;
			send_body(c);
		}
	} else {
		respond_error(c, 404, req->keep_alive, head_only);
	}
	if (!req->keep_alive)
		c->close_after = 1;
}

/* Find the end of the request head (CRLFCRLF, or LFLF which the
 * parser then rejects as bare LF); returns its length or 0. */
static size_t head_end(const char *b, size_t n)
{
	const char *p = b;

	while ((p = memchr(p, '\n', n - (size_t)(p - b))) != NULL) {
		size_t i = (size_t)(p - b);

		if (i >= 1 && b[i - 1] == '\n')
			return i + 1;
		if (i >= 3 && b[i - 1] == '\r' && b[i - 2] == '\n' && b[i - 3] == '\r')
			return i + 1;
		p++;
	}
	return 0;
}

/* Answer every complete request buffered, in order. */
static void process(struct conn *c)
{
	while (!c->closing && c->body_left == 0 && !c->close_after) {
		struct http_req req;
		size_t end, take;
		int status;

		if (c->skip > 0) {
			take = c->skip < c->len ? c->skip : c->len;
			memmove(c->buf, c->buf + take, c->len - take);
			c->len -= take;
			c->skip -= take;
			if (c->skip > 0)
				break;
		}
		end = head_end(c->buf, c->len);
		if (end == 0) {
			if (c->len >= max_header)	/* request line itself too long: 414 */
				respond_error(c, memchr(c->buf, '\n', c->len) ? 431 : 414, 0, 0);
			break;
		}
		httpd_stats.requests++;
		c->idle_s = 0;
		status = http_parse(c->buf, end, &req);
		memmove(c->buf, c->buf + end, c->len - end);
		c->len -= end;
		if (status != 0) {
			respond_error(c, status, 0, 0);
			break;
		}
		if (req.content_length > 0)
			c->skip = (size_t)req.content_length;
		serve(c, &req);
	}
	tcp_output(c->pcb);
	if (c->close_after && c->body_left == 0 && !c->closing) {
		c->closing = 1;
		conn_close(c);
	}
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct conn *c = arg;

	if (p == NULL) {	/* peer closed: finish what is queued, then close */
		conn_close(c);
		return ERR_OK;
	}
	tcp_recved(pcb, p->tot_len);
	for (struct pbuf *q = p; q != NULL; q = q->next) {
		size_t n = q->len;

		if (c->closing || c->close_after)
			break;
		if (c->skip > 0 && c->len == 0) {	/* discard body bytes directly */
			size_t s = c->skip < n ? c->skip : n;

			c->skip -= s;
			if (s == n)
				continue;
			n -= s;
			memcpy(c->buf, (char *)q->payload + s, n < max_header ? n : max_header);
			c->len = n < max_header ? n : max_header;
			continue;
		}
		if (n > max_header - c->len)
			n = max_header - c->len;
		memcpy(c->buf + c->len, q->payload, n);
		c->len += n;
	}
	pbuf_free(p);
	if (!c->closing)
		process(c);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct conn *c = arg;

	if (c->body_left > 0) {
		send_body(c);
		tcp_output(pcb);
	}
	if (c->body_left == 0)
		process(c);
	return ERR_OK;
}

static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
	struct conn *c = arg;

	if (c->body_left > 0) {
		c->idle_s = 0;
		send_body(c);
		tcp_output(pcb);
		return ERR_OK;
	}
	c->idle_s++;
	if (c->len > 0 && c->idle_s >= HEAD_TIMEOUT_S) {
		respond_error(c, 408, 0, 0);
		process(c);
	} else if (c->idle_s >= IDLE_TIMEOUT_S) {
		conn_close(c);
	}
	return ERR_OK;
}

static void on_err(void *arg, err_t err)
{
	if (arg != NULL)
		conn_free(arg);
}

/* Over the connection limit: answer 503 and close at once. */
static void reject(struct tcp_pcb *pcb)
{
	static const char msg[] = "HTTP/1.1 503 Service Unavailable\r\nServer: rumpnet\r\n"
				  "Content-Length: 0\r\nConnection: close\r\n\r\n";

	httpd_stats.conns_rejected++;
	httpd_stats.resp_5xx++;
	tcp_write(pcb, msg, sizeof(msg) - 1, 0);
	tcp_output(pcb);
	if (tcp_close(pcb) != ERR_OK)
		tcp_abort(pcb);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct conn *c;

	if (err != ERR_OK || pcb == NULL)
		return ERR_VAL;
	if ((long)httpd_stats.conns_active >= max_conns) {
		reject(pcb);
		return ERR_OK;
	}
	c = hyp_calloc(1, sizeof(*c));
	if (c != NULL)
		c->buf = hyp_malloc(max_header);
	if (c == NULL || c->buf == NULL) {
		if (c != NULL)
			hyp_free(c);
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	c->pcb = pcb;
	httpd_stats.conns_total++;
	httpd_stats.conns_active++;
	tcp_arg(pcb, c);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	tcp_poll(pcb, on_poll, POLL_INTERVAL);
	tcp_nagle_disable(pcb);
	return ERR_OK;
}

static void load_archive(void)
{
	const void *base;
	size_t len;

	if (hyp_content(&base, &len) != 0) {
		hyp_printf("rumpnet: httpd: no content archive; every path is 404\n");
		return;
	}
	if (cpio_open(&archive, base, len) != 0) {
		hyp_printf("rumpnet: httpd: content rejected: %s\n", archive.error);
		hyp_exit(HYP_EXIT_POWEROFF, 1);
	}
	httpd_stats.files = archive.count;
}

static void listen_on(int port)
{
	struct tcp_pcb *pcb, *lpcb;

	LOCK_TCPIP_CORE();
	pcb = tcp_new_ip_type(IPADDR_TYPE_ANY);
	if (pcb == NULL || tcp_bind(pcb, IP_ANY_TYPE, (u16_t)port) != ERR_OK)
		hyp_panic("httpd: cannot bind port %d", port);
	lpcb = tcp_listen(pcb);
	if (lpcb == NULL)
		hyp_panic("httpd: cannot listen on port %d", port);
	tcp_accept(lpcb, on_accept);
	UNLOCK_TCPIP_CORE();
}

int rumpnet_main(void)
{
	long port = cfg_int("http.port", 80);
	long mh = cfg_int("http.max_header_bytes", 8192);

	httpd_stats.started_ns = hyp_clock_monotonic();
	max_conns = cfg_int("http.max_conns", 64);
	status_enabled = cfg_int("http.status", 1) != 0;
	if (mh >= 256 && mh <= 65536)
		max_header = (size_t)mh;
	if (port < 1 || port > 65535)
		hyp_panic("httpd: http.port %ld out of range", port);
	load_archive();
	rumptcpip_init();
	netcfg_up(NULL, NULL);
	listen_on((int)port);
	iperf_start();
	hyp_printf("rumpnet: httpd listening port=%ld files=%zu max_conns=%ld status=%d\n", port,
		   archive.count, max_conns, status_enabled);
	for (;;)
		hyp_sleep(3600ull * 1000000000ull);
}
