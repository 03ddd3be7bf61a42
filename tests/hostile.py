#!/usr/bin/python3
"""A hostile HTTP/1.1 server on loopback, for the engine's hardening tests.

Every request gets the same treatment, chosen with --mode:

  slowbig   headers with Content-Length SIZE, 1 KB of body, a wait of WAIT
            seconds, then the rest of SIZE bytes (garbage HTML)
  endless   a chunked body that never ends (until --limit seconds)
  redirect  302 to --to URL
  bigheader a 200 whose one header line is 2 MB long
  gzipbomb  Content-Encoding: gzip, 100 KB that inflate to 100 MB

It prints "LISTENING <port>" first, like server/replay.py, answers on
127.0.0.1 only, and exits after --limit seconds or when --parent-pid is
gone, so a test that dies never leaves it behind.
"""

import argparse
import asyncio
import gzip
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from server.harness import parent_gone  # noqa: E402

CHUNK = b"<p>" + b"x" * 65530 + b"\n"


async def handle(reader, writer, args):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if not head:
                return
            if args.mode == "redirect":
                writer.write(b"HTTP/1.1 302 Found\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n"
                             % args.to.encode())
                await writer.drain()
                continue
            if args.mode == "bigheader":
                writer.write(b"HTTP/1.1 200 OK\r\nX-Big: " + b"y" * (2 << 20) +
                             b"\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
                continue
            if args.mode == "gzipbomb":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                             b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n"
                             % len(args.bomb) + args.bomb)
                await writer.drain()
                continue
            if args.mode == "endless":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n")
                while True:
                    writer.write(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
                    await writer.drain()
            size = args.size
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                         b"Content-Length: %d\r\n\r\n" % size)
            first = min(1024, size)
            writer.write(b"x" * first)
            await writer.drain()
            await asyncio.sleep(args.wait)
            left = size - first
            while left > 0:
                n = min(left, len(CHUNK))
                writer.write(CHUNK[:n])
                left -= n
                await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    a = argparse.ArgumentParser()
    a.add_argument("--mode", choices=("slowbig", "endless", "redirect", "bigheader",
                                          "gzipbomb"), required=True)
    a.add_argument("--size", type=int, default=30 << 20)
    a.add_argument("--wait", type=float, default=3.0)
    a.add_argument("--to", default="ftp://127.0.0.1/x")
    a.add_argument("--limit", type=float, default=120.0)
    a.add_argument("--parent-pid", type=int, default=0)
    args = a.parse_args()
    args.bomb = gzip.compress(bytes(100 << 20), 9) if args.mode == "gzipbomb" else b""
    srv = await asyncio.start_server(lambda r, w: handle(r, w, args), "127.0.0.1", 0,
                                     backlog=1024)
    print("LISTENING %d" % srv.sockets[0].getsockname()[1], flush=True)
    loop = asyncio.get_running_loop()
    end = loop.time() + args.limit
    first_ppid = os.getppid()
    while loop.time() < end:
        if args.parent_pid and parent_gone(args.parent_pid, first_ppid):
            break
        await asyncio.sleep(0.5)
    sys.exit(0)


if __name__ == "__main__":
    asyncio.run(main())
