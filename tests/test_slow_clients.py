"""Clients that never finish their request are cut off: the head by `serve`'s protocol, the
body by the app."""

import asyncio
import socket
import time

from tests.support import ADMIN_TOKEN, free_port, serve, wait_for_line


def closed_after(sock: socket.socket, within: float) -> float:
    """Seconds until the server closed `sock` (reading what it sent, if anything)."""
    started = time.monotonic()
    sock.settimeout(within)
    while sock.recv(4096):
        pass
    return time.monotonic() - started


def test_a_request_head_that_never_ends_is_cut_off(tmp_path):
    port = free_port()
    process = serve(
        {
            "DATABASE_URL": f"sqlite://{tmp_path / 'loyalty.db'}",
            "LOYALTY_ADMIN_TOKEN": ADMIN_TOKEN,
            "PORT": str(port),
            "HTTP_HEADER_TIMEOUT_SECONDS": "1",
        }
    )
    try:
        wait_for_line(process, "Uvicorn running")
        silent = socket.create_connection(("127.0.0.1", port))
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"POST /graphql HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        assert closed_after(silent, within=5) < 3
        assert closed_after(slow, within=5) < 3
        with socket.create_connection(("127.0.0.1", port)) as fine:
            fine.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            fine.settimeout(5)
            assert fine.recv(4096).startswith(b"HTTP/1.1 200")
    finally:
        process.terminate()
        process.communicate(timeout=10)


async def test_a_body_that_never_ends_is_refused(server, monkeypatch):
    monkeypatch.setattr(server.settings, "http_body_timeout_seconds", 0.5)
    reader, writer = await asyncio.open_connection("127.0.0.1", int(server.url.rsplit(":", 1)[1]))
    writer.write(
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100\r\nAuthorization: Bearer " + ADMIN_TOKEN.encode() + b"\r\n\r\n{"
    )
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    assert status.startswith(b"HTTP/1.1 408")
