"""HTTP/2 for the replay server, on Debian's python3-h2 (sans-I/O).

Each stream is answered by its own task so that latency overlaps across the
streams of one connection, as it does at Google.  Bodies go out in frames no
larger than the peer allows and only as far as its flow-control windows
permit.  Faults: "reset" drops the whole connection with a TCP RST (what a
crashed front end does), "truncate" sends half the body and then RST_STREAM,
"stall" leaves the stream open and silent.
"""

import asyncio
import time

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings

from server.http1 import hard_close, http_date, peer_address

DRAIN_EVERY = 256 << 10


class _Conn:
    def __init__(self, srv, reader, writer):
        self.srv = srv
        self.reader = reader
        self.writer = writer
        cfg = h2.config.H2Configuration(client_side=False, header_encoding="utf-8",
                                        validate_inbound_headers=False)
        self.h2 = h2.connection.H2Connection(config=cfg)
        self.streams = {}       # stream id -> [headers list, body bytearray]
        self.tasks = {}         # stream id -> answering task
        self.window = asyncio.Event()
        self.dead = False
        self.peer = peer_address(writer)

    def flush(self):
        data = self.h2.data_to_send()
        if data and not self.dead:
            self.writer.write(data)

    def wake(self):
        # Anyone waiting for flow-control credit re-checks its window.
        self.window.set()
        self.window = asyncio.Event()

    async def run(self, initial):
        self.h2.initiate_connection()
        self.h2.update_settings({
            h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 1024,
            h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1 << 20,
        })
        self.flush()
        data = initial
        while True:
            if data:
                try:
                    events = self.h2.receive_data(data)
                except h2.exceptions.ProtocolError:
                    self.flush()
                    return
                for ev in events:
                    if not self.on_event(ev):
                        self.flush()
                        return
                self.flush()
            data = await self.reader.read(1 << 16)
            if not data:
                return

    def on_event(self, ev):
        if isinstance(ev, h2.events.RequestReceived):
            self.streams[ev.stream_id] = [ev.headers, bytearray()]
        elif isinstance(ev, h2.events.DataReceived):
            st = self.streams.get(ev.stream_id)
            if st is not None:
                st[1] += ev.data
            self.h2.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        elif isinstance(ev, h2.events.StreamEnded):
            if ev.stream_id in self.streams:
                self.tasks[ev.stream_id] = asyncio.ensure_future(self.answer(ev.stream_id))
        elif isinstance(ev, h2.events.StreamReset):
            self.streams.pop(ev.stream_id, None)
            task = self.tasks.pop(ev.stream_id, None)
            if task is not None:
                task.cancel()
            self.wake()
        elif isinstance(ev, (h2.events.WindowUpdated, h2.events.RemoteSettingsChanged)):
            self.wake()
        elif isinstance(ev, h2.events.ConnectionTerminated):
            return False
        return True

    async def answer(self, sid):
        from server.replay import Request
        try:
            raw_headers, body = self.streams.pop(sid)
            headers, pseudo = {}, {}
            for k, v in raw_headers:
                if k.startswith(":"):
                    pseudo[k] = v
                else:
                    headers[k.lower()] = v
            if "host" not in headers and ":authority" in pseudo:
                headers["host"] = pseudo[":authority"]
            req = Request(pseudo.get(":method", "GET"), pseudo.get(":path", "/"), headers,
                          bytes(body), "h2", self.peer)
            resp = await self.srv.handle(req)
            if self.dead:
                return
            if resp.action == "stall":
                return
            if resp.action == "reset":
                self.dead = True
                hard_close(self.writer)
                return
            data = resp.body
            out = [(":status", str(resp.status))]
            has_len = False
            for k, v in resp.headers:
                k = k.lower()
                if k in ("connection", "transfer-encoding", "keep-alive"):
                    continue
                has_len |= k == "content-length"
                out.append((k, v))
            if not has_len:
                out.append(("content-length", str(len(data))))
            out.append(("date", http_date().decode()))
            out.append(("server", "playfast-replay"))
            self.h2.send_headers(sid, out, end_stream=not data)
            self.flush()
            if data:
                limit = len(data) // 2 if resp.action == "truncate" else len(data)
                sent = await self.send_data(sid, data, limit)
                self.srv.count_sent(sent)
                if resp.action == "truncate":
                    self.h2.reset_stream(sid, h2.errors.ErrorCodes.INTERNAL_ERROR)
                    self.flush()
        except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError,
                ConnectionError, OSError):
            pass
        finally:
            self.tasks.pop(sid, None)

    async def send_data(self, sid, data, limit):
        """Send data[:limit]; end the stream when limit covers all of it."""
        bw = self.srv.bandwidth
        view = memoryview(data)
        sent = 0
        start = time.monotonic()
        while sent < limit and not self.dead:
            # Queue as many frames as the windows allow (up to DRAIN_EVERY)
            # and hand them to the transport in one write.
            batch = 0
            while sent < limit and batch < DRAIN_EVERY:
                room = min(self.h2.local_flow_control_window(sid),
                           self.h2.max_outbound_frame_size, limit - sent)
                if bw:
                    room = min(room, max(1024, int(bw / 50)))
                if room <= 0:
                    break
                self.h2.send_data(sid, view[sent:sent + room],
                                  end_stream=sent + room == len(data))
                sent += room
                batch += room
                if bw:
                    break
            if batch == 0:
                await self.window.wait()
                continue
            self.flush()
            await self.writer.drain()
            if bw:
                delay = start + sent / bw - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
        return sent


async def serve(srv, reader, writer, initial=b""):
    """Speak HTTP/2 on an accepted connection until either side closes it."""
    srv.st["h2_connections"] += 1
    conn = _Conn(srv, reader, writer)
    try:
        await conn.run(initial)
    finally:
        conn.dead = True
        for task in list(conn.tasks.values()):
            task.cancel()
