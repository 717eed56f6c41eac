"""``onestop serve``: the ASGI server (uvicorn) for HTTP and WebSockets, with N worker processes.

It binds the listening socket itself, with TCP_NODELAY. With more than one worker, uvicorn hands
the socket to its worker processes, and asyncio does not set TCP_NODELAY on connections accepted
from a socket it did not create; a response written in two parts (headers, then body) then waits
for the client's delayed acknowledgement — 40 ms on every keep-alive request (measured: 48 ms for
the health check through two workers, 5 ms with this). Linux gives accepted connections the
listening socket's TCP_NODELAY."""

from __future__ import annotations

import os
import socket
from typing import Any

import uvicorn
from django.core.management.base import BaseCommand, CommandError, CommandParser
from uvicorn.supervisors import Multiprocess

APPLICATION = "onestop.config.asgi:application"


def listening_socket(config: uvicorn.Config) -> socket.socket:
    sock = config.bind_socket()
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class Command(BaseCommand):
    help = "Serve OneStop over HTTP and WebSocket (uvicorn, N worker processes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=1, help="worker processes")
        parser.add_argument(
            "--forwarded-allow-ips",
            default="",
            help="addresses of the proxy in front, whose X-Forwarded-For and -Proto are trusted "
            "(none by default: the client's own address is logged)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1", returncode=2)
        trusted = options["forwarded_allow_ips"]
        config = uvicorn.Config(
            APPLICATION,
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            access_log=False,
            proxy_headers=bool(trusted),
            forwarded_allow_ips=trusted or None,
            lifespan="off",
        )
        sock = listening_socket(config)
        if config.workers > 1:
            Multiprocess(config, sockets=[sock]).run()
        else:
            uvicorn.Server(config).run(sockets=[sock])
