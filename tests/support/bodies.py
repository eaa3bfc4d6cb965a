"""Raw HTTP posts for body-limit attacks: endless chunked bodies generated lazily, whose sender stops
as soon as the server answers, and lengths announced but never sent."""

from __future__ import annotations

import contextlib
import socket
import threading

import anyio

MB = 1024 * 1024
ATTACK_BYTES = 400 * MB
_CHUNK = 256 * 1024


def _status_of(head: bytes) -> int:
    assert head.startswith(b"HTTP/1.1 "), head[:80]
    return int(head.split(b" ", 2)[1])


def _raw_post(port: int, head: bytes, total: int, prefix: bytes = b"") -> tuple[int, int]:
    """Send ``head`` then ``total`` bytes of chunked body (made lazily, from a thread of its own)
    until the server answers; blocking sockets, so that an answer followed by a reset is read."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=120)
    sock.sendall(head + (b"%x\r\n%s\r\n" % (len(prefix), prefix) if prefix else b""))
    chunk = b"%x\r\n" % _CHUNK + b"a" * _CHUNK + b"\r\n"
    sent = 0
    stop = threading.Event()

    def pump() -> None:
        nonlocal sent
        with contextlib.suppress(OSError):
            while sent < total and not stop.is_set():
                sock.sendall(chunk)
                sent += _CHUNK
            if total and not stop.is_set():
                sock.sendall(b"0\r\n\r\n")

    sender = threading.Thread(target=pump, daemon=True)
    sender.start()
    answer = b""
    try:
        while b"\r\n\r\n" not in answer:
            piece = sock.recv(65536)
            if not piece:
                break
            answer += piece
    finally:
        stop.set()
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sender.join(30)
        sock.close()
    return _status_of(answer), sent


def _head(port: int, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def chunked_post(
    port: int, path: str, headers: dict[str, str], total: int = ATTACK_BYTES, prefix: bytes = b""
) -> tuple[int, int]:
    """POST ``prefix`` then ``total`` bytes of chunked body until the server answers: its status
    and how many body bytes had been written to the socket by then."""
    head = _head(port, path, {"Transfer-Encoding": "chunked", **headers})
    with anyio.fail_after(120):
        return await anyio.to_thread.run_sync(_raw_post, port, head, total, prefix)


async def declared_post(port: int, path: str, length: int, headers: dict[str, str] | None = None) -> int:
    """Headers only, announcing ``length`` bytes that never come: the answer must not wait for them."""
    head = _head(port, path, {"Content-Length": str(length), **(headers or {})})
    with anyio.fail_after(30):
        status, _ = await anyio.to_thread.run_sync(_raw_post, port, head, 0)
    return status
