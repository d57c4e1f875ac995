"""The tests' network guard, also loaded by the Python processes they start (this folder is put on
their PYTHONPATH, so Python imports it at start-up): a connection to a non-local address, or a DNS
look-up of a non-local name, is refused and written to $EXPLORER_TEST_NETWORK_LOG."""

from __future__ import annotations

import os
import socket

_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0", "")
_installed: list[str] = []


def _is_local(host: object) -> bool:
    text = host.decode() if isinstance(host, bytes) else str(host)
    return text in _LOCAL_HOSTS or text.startswith("127.")


def install(log: str | os.PathLike[str]) -> None:
    if _installed:
        return
    _installed.append(str(log))
    connect, connect_ex, getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def refuse(what: str) -> ConnectionRefusedError:
        with open(_installed[0], "a", encoding="utf-8") as handle:
            handle.write(f"pid {os.getpid()}: {what}\n")
        return ConnectionRefusedError(f"tests may not reach the network ({what})")

    def inet(sock: socket.socket) -> bool:
        return sock.family in (socket.AF_INET, socket.AF_INET6)

    def guarded_connect(self, address):
        if inet(self) and not _is_local(address[0]):
            raise refuse(f"connect to {address!r}")
        return connect(self, address)

    def guarded_connect_ex(self, address):
        if inet(self) and not _is_local(address[0]):
            refuse(f"connect_ex to {address!r}")
            return 111  # ECONNREFUSED
        return connect_ex(self, address)

    def guarded_getaddrinfo(host, *args, **kwargs):
        if host is not None and not _is_local(host):
            refuse(f"look up {host!r}")
            raise socket.gaierror(socket.EAI_NONAME, "tests may not reach the network")
        return getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = guarded_connect
    socket.socket.connect_ex = guarded_connect_ex
    socket.getaddrinfo = guarded_getaddrinfo


if os.environ.get("EXPLORER_TEST_NETWORK_LOG"):
    install(os.environ["EXPLORER_TEST_NETWORK_LOG"])
