"""HTTP/1.1 checks of the httpd appliance (RFC 9110, RFC 9112).

Each check sends exact request bytes over a real Linux TCP connection from
the LAN peer and judges status, framing and connection handling.
"""

import pytest

from nettests.httpclient import Conn, exchange, req
from nettests.registry import check

P = ("httpd",)


def _bad(dut, rec, raw: bytes, want=(400,), must_close=False, what="400"):
    r = exchange(dut, raw)
    rec.saw(f"{what}" + (" and close" if must_close else ""), r)
    assert r.status in want, f"status {r.status} ({r.summary()}), want {want}"
    if must_close:
        assert r.closed, "connection left open after a framing error"
    return r


@check("http.get_root_200", rfc="RFC 9110", section="9.3.1", level="MUST", proto="http", profiles=P)
def test_get_root(dut, rec):
    r = exchange(dut, req())
    rec.saw("200 with a body framed by Content-Length or chunked", r)
    assert r.status == 200
    assert r.header("Content-Length") is not None or r.header("Transfer-Encoding")
    if r.header("Content-Length") is not None:
        assert int(r.header("Content-Length")) == len(r.body)


@check(
    "http.missing_host_400", rfc="RFC 9112", section="3.2", level="MUST", proto="http", profiles=P
)
def test_missing_host(dut, rec):
    _bad(dut, rec, req(host=None))


@check(
    "http.duplicate_host_400", rfc="RFC 9112", section="3.2", level="MUST", proto="http", profiles=P
)
def test_duplicate_host(dut, rec):
    _bad(dut, rec, req(headers=["Host: other.test"]))


@check(
    "http.invalid_host_400", rfc="RFC 9112", section="3.2", level="MUST", proto="http", profiles=P
)
def test_invalid_host(dut, rec):
    _bad(dut, rec, req(host="bad host/with space"))


@check(
    "http.space_before_colon_400",
    rfc="RFC 9112",
    section="5.1",
    level="MUST",
    proto="http",
    profiles=P,
)
def test_space_before_colon(dut, rec):
    _bad(dut, rec, b"GET / HTTP/1.1\r\nHost : rnt.test\r\n\r\n")


@check(
    "http.obs_fold_rejected", rfc="RFC 9112", section="5.2", level="MUST", proto="http", profiles=P
)
def test_obs_fold(dut, rec):
    r = exchange(dut, b"GET / HTTP/1.1\r\nHost: rnt.test\r\nX-A: a\r\n  folded\r\n\r\n")
    rec.saw("400, or 200 with the fold replaced by SP", r)
    assert r.status in (400, 200), r.summary()


@check(
    "http.bare_cr_rejected", rfc="RFC 9112", section="2.2", level="MUST", proto="http", profiles=P
)
def test_bare_cr(dut, rec):
    r = exchange(dut, b"GET / HTTP/1.1\r\nHost: rnt.test\r\nX-A: a\rb\r\n\r\n")
    rec.saw("400 (or the CR replaced by SP: 200)", r)
    assert r.status in (400, 200), r.summary()


@check(
    "http.bad_version_rejected",
    rfc="RFC 9112",
    section="2.3",
    level="MUST",
    proto="http",
    profiles=P,
)
def test_bad_version(dut, rec):
    _bad(dut, rec, b"GET / HTTP/1.x\r\nHost: rnt.test\r\n\r\n", want=(400, 505))


@pytest.mark.parametrize("value", ["abc", "+5", "-1", "5, 6"])
@check(
    "http.invalid_content_length_400",
    rfc="RFC 9112",
    section="6.3",
    level="MUST",
    proto="http",
    profiles=P,
)
def test_invalid_content_length(dut, rec, value):
    _bad(
        dut, rec, req("POST", headers=[f"Content-Length: {value}"], body=b"hello"), must_close=True
    )


@check(
    "http.differing_duplicate_content_length_400",
    rfc="RFC 9110",
    section="8.6",
    level="MUST",
    proto="http",
    profiles=P,
)
def test_duplicate_content_length(dut, rec):
    _bad(
        dut,
        rec,
        req("POST", headers=["Content-Length: 3", "Content-Length: 5"], body=b"hello"),
        must_close=True,
    )


@check(
    "http.chunked_not_final_400",
    rfc="RFC 9112",
    section="6.3",
    level="MUST",
    proto="http",
    profiles=P,
)
def test_chunked_not_final(dut, rec):
    _bad(
        dut,
        rec,
        req("POST", headers=["Transfer-Encoding: chunked, gzip"], body=b"5\r\nhello\r\n0\r\n\r\n"),
        want=(400, 501),
        must_close=True,
    )


@check(
    "http.bad_chunk_size_400", rfc="RFC 9112", section="7.1", level="MUST", proto="http", profiles=P
)
def test_bad_chunk_size(dut, rec):
    _bad(
        dut,
        rec,
        req("POST", headers=["Transfer-Encoding: chunked"], body=b"zz\r\nhello\r\n0\r\n\r\n"),
        want=(400, 405, 411, 413, 501),
        must_close=True,
        what="400 (or another error status) and close",
    )


@check(
    "http.te_and_cl_closes", rfc="RFC 9112", section="6.1", level="MUST", proto="http", profiles=P
)
def test_te_and_cl(dut, rec):
    r = exchange(
        dut,
        req("POST", headers=["Transfer-Encoding: chunked", "Content-Length: 5"], body=b"0\r\n\r\n"),
    )
    rec.saw("a response, then the connection closed (or 400)", r)
    assert r.status is not None, r.summary()
    assert r.status == 400 or r.closed, "TE+CL request: connection must be closed after"


@check(
    "http.nul_in_field_rejected",
    rfc="RFC 9110",
    section="5.5",
    level="MUST",
    proto="http",
    profiles=P,
)
def test_nul_in_field(dut, rec):
    _bad(dut, rec, b"GET / HTTP/1.1\r\nHost: rnt.test\r\nX-A: a\x00b\r\n\r\n")


@check("http.head_no_body", rfc="RFC 9110", section="9.3.2", level="MUST", proto="http", profiles=P)
def test_head(dut, rec):
    get = exchange(dut, req())
    c = Conn(dut)
    try:
        c.send(req("HEAD"))
        head = c.response(head=True)
        extra = c.buf  # bytes after the HEAD header block would be a body
        c.send(req())  # the connection must still be usable and in sync
        after = c.response()
    finally:
        c.close()
    rec.saw(
        "HEAD: same status and Content-Length as GET, no body; next response in sync",
        f"GET {get.summary()}; HEAD {head.summary()} CL={head.header('Content-Length')}; "
        f"stray={len(extra)}; next={after.summary()}",
    )
    assert head.status == get.status == 200
    assert head.header("Content-Length") in (None, get.header("Content-Length"))
    assert not extra, "the HEAD response carried a body"
    assert after.status == 200 and after.body == get.body


@check(
    "http.unknown_method_501",
    rfc="RFC 9110",
    section="9.1",
    level="SHOULD",
    proto="http",
    profiles=P,
)
def test_unknown_method(dut, rec):
    r = exchange(dut, req("FROB"))
    rec.saw("501", r)
    assert r.status == 501, r.summary()


@check(
    "http.405_has_allow", rfc="RFC 9110", section="15.5.6", level="MUST", proto="http", profiles=P
)
def test_405_allow(dut, rec):
    r = exchange(dut, req("DELETE"))
    rec.saw("405 with Allow, or another 4xx/501", f"{r.summary()} Allow={r.header('Allow')}")
    assert r.status is not None
    if r.status != 405:
        pytest.skip(f"DELETE answered {r.status}, not 405: nothing to check")
    assert r.header("Allow") is not None, "405 without Allow"


@check(
    "http.long_target_414",
    rfc="RFC 9110",
    section="15.5.15",
    level="SHOULD",
    proto="http",
    profiles=P,
)
def test_long_target(dut, rec):
    r = exchange(dut, req(target="/" + "a" * 16000))
    rec.saw("414 (or 400/431: the request is refused, the server lives)", r)
    assert r.status in (414, 400, 431), r.summary()
    assert r.status == 414, f"refused with {r.status}, not 414"


@check(
    "http.header_limit",
    rfc="RFC 9110",
    section="15.5 / RFC 6585 §5",
    level="MUST",
    proto="http",
    profiles=P,
)
def test_header_limit(dut, rec):
    r = exchange(dut, req(headers=[f"X-Pad-{i}: {'b' * 1000}" for i in range(80)]))
    rec.saw("an error status (431 or 400) for 80 kB of headers, no crash", r)
    assert r.status in (400, 413, 431, 494), r.summary()


@check(
    "http.persistent_by_default",
    rfc="RFC 9112",
    section="9.3",
    level="MUST",
    proto="http",
    profiles=P,
)
def test_persistent(dut, rec):
    c = Conn(dut)
    try:
        c.send(req())
        a = c.response()
        c.send(req())
        b = c.response()
    finally:
        c.close()
    rec.saw("two 200 responses on one HTTP/1.1 connection", f"{a.summary()}; {b.summary()}")
    assert a.status == 200 and b.status == 200


@check(
    "http.connection_close_honoured",
    rfc="RFC 9112",
    section="9.6",
    level="MUST",
    proto="http",
    profiles=P,
)
def test_connection_close(dut, rec):
    r = exchange(dut, req(headers=["Connection: close"]), close_window=2.0)
    rec.saw("200 then the server closes", r)
    assert r.status == 200 and r.closed


@check(
    "http.http10_closes_by_default",
    rfc="RFC 9112",
    section="9.3",
    level="MUST",
    proto="http",
    profiles=P,
)
def test_http10_close(dut, rec):
    r = exchange(dut, req(version="HTTP/1.0"), close_window=2.0)
    rec.saw("200 then close (no keep-alive asked)", r)
    assert r.status == 200 and r.closed


@check(
    "http.pipelined_in_order",
    rfc="RFC 9112",
    section="9.3.2",
    level="MUST",
    proto="http",
    profiles=P,
)
def test_pipelined(dut, rec):
    c = Conn(dut)
    try:
        c.send(req("HEAD") + req())
        a = c.response(head=True)
        b = c.response()
    finally:
        c.close()
    rec.saw("HEAD response then GET response, in order", f"{a.summary()}; {b.summary()}")
    assert a.status == 200 and not a.body and b.status == 200 and b.body
