"""HTTP/1.1 for the replay server: keep-alive, pipelining, 100-continue,
chunked request bodies, and the transport-level faults (reset, truncate,
stall, bandwidth).  A TLS connection that negotiated h2 is handed to
http2.serve().
"""

import asyncio
import email.utils
import http
import socket
import struct
import time

MAX_BODY = 8 << 20

_date = [0, b""]


def http_date():
    """The Date header, formatted at most once a second."""
    now = int(time.time())
    if now != _date[0]:
        _date[0] = now
        _date[1] = email.utils.formatdate(now, usegmt=True).encode()
    return _date[1]


def reason(status):
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def hard_close(writer):
    """Close with a TCP RST instead of a FIN, as a crashed peer would."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()


def peer_address(writer):
    """The client's IP address as text (no port), or None."""
    name = writer.get_extra_info("peername")
    return name[0] if name else None


async def stall_until_eof(reader):
    """Never answer: keep the connection open until the client gives up."""
    while await reader.read(65536):
        pass


async def send_body(srv, writer, data, bandwidth):
    """Write data, paced to `bandwidth` bytes/s when that is set.  Returns
    the number of bytes handed to the transport."""
    if not bandwidth:
        writer.write(data)
        await writer.drain()
        return len(data)
    # Small slices keep the pacing smooth; the schedule is absolute so that
    # sleep overshoot does not accumulate.
    step = max(1024, int(bandwidth / 50))
    start = time.monotonic()
    view = memoryview(data)
    sent = 0
    while sent < len(data):
        piece = view[sent:sent + step]
        writer.write(piece)
        sent += len(piece)
        await writer.drain()
        delay = start + sent / bandwidth - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
    return sent


async def _read_chunked(reader):
    body = bytearray()
    while True:
        line = await reader.readuntil(b"\r\n")
        size = int(line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers
            return bytes(body)
        if len(body) + size > MAX_BODY:
            raise ValueError("request body too large")
        body += await reader.readexactly(size)
        await reader.readexactly(2)


def _head(status, headers, length, close):
    lines = [b"HTTP/1.1 %d %s" % (status, reason(status).encode())]
    has_len = False
    for k, v in headers:
        if k.lower() == "content-length":
            has_len = True
        lines.append(("%s: %s" % (k, v)).encode("latin-1"))
    if not has_len:
        lines.append(b"Content-Length: %d" % length)
    lines.append(b"Date: " + http_date())
    lines.append(b"Server: playfast-replay")
    if close:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n"


async def serve_connection(srv, reader, writer):
    from server.replay import Request  # late: replay imports this module

    ssl_obj = writer.get_extra_info("ssl_object")
    srv.conn_opened(ssl_obj is not None)
    peer = peer_address(writer)
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
    aborted = False
    try:
        if ssl_obj is not None and ssl_obj.selected_alpn_protocol() == "h2":
            from server import http2
            await http2.serve(srv, reader, writer)
            return
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                return
            except asyncio.LimitOverrunError:
                writer.write(_head(431, [], 0, True))
                return
            try:
                lines = head[:-4].decode("latin-1").split("\r\n")
                method, target, version = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    k, _, v = line.partition(":")
                    headers[k.strip().lower()] = v.strip()
            except ValueError:
                writer.write(_head(400, [], 0, True))
                return
            conn_hdr = headers.get("connection", "").lower()
            keep = ("close" not in conn_hdr) if version == "HTTP/1.1" else ("keep-alive" in conn_hdr)
            if headers.get("expect", "").lower() == "100-continue":
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            try:
                if "chunked" in headers.get("transfer-encoding", "").lower():
                    body = await _read_chunked(reader)
                else:
                    n = int(headers.get("content-length", "0") or 0)
                    if n > MAX_BODY or n < 0:
                        raise ValueError("request body too large")
                    body = await reader.readexactly(n) if n else b""
            except asyncio.IncompleteReadError:
                return
            except ValueError:
                writer.write(_head(413, [], 0, True))
                return
            resp = await srv.handle(Request(method, target, headers, body, "http/1.1", peer))
            if resp.action == "stall":
                await stall_until_eof(reader)
                return
            if resp.action == "reset":
                hard_close(writer)
                aborted = True
                return
            data = resp.body
            writer.write(_head(resp.status, resp.headers, len(data), not keep))
            if resp.action == "truncate":
                # Promise the full length, deliver about half, then hang up.
                cut = max(0, len(data) // 2)
                srv.count_sent(await send_body(srv, writer, data[:cut], srv.bandwidth))
                return
            if data:
                srv.count_sent(await send_body(srv, writer, data, srv.bandwidth))
            else:
                await writer.drain()
            if not keep:
                return
    except (ConnectionError, OSError):
        pass
    finally:
        srv.conn_closed()
        if not aborted:
            try:
                writer.close()
            except (ConnectionError, OSError, RuntimeError):
                pass
