"""``onestop run``: the whole system on this machine. Migrate, load the demo data, then run the
web server (``onestop serve``: uvicorn), one task worker (``db_worker``) and the reminder
scheduler (``onestop scheduler``) as child processes until Ctrl-C or SIGTERM. If a child dies,
the others are stopped and the command exits non-zero."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
GRACE_SECONDS = 10.0


class Supervisor:
    """Start child processes, watch them, stop them all together."""

    def __init__(self, commands: dict[str, list[str]], *, poll: float = 0.2) -> None:
        self.commands = commands
        self.poll = poll
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.stop_requested: int | None = None

    def request_stop(self, signum: int, _frame: FrameType | None = None) -> None:
        self.stop_requested = signum

    def start(self) -> None:
        for name, argv in self.commands.items():
            self.children[name] = subprocess.Popen(argv)  # noqa: S603  (our own argv)

    def wait(self) -> tuple[int, str]:
        """Block until a stop is requested (→ 0) or a child exits (→ its code, or 1)."""
        while True:
            if stopped := self._stopped():
                return 0, stopped
            for name, child in self.children.items():
                code = child.poll()
                if code is not None:
                    # A terminal's Ctrl-C reaches the children too; give our own handler a
                    # moment to see it before calling the exit a failure.
                    time.sleep(0.5)
                    if stopped := self._stopped():
                        return 0, stopped
                    return code or 1, f"{name} exited with code {code}"
            time.sleep(self.poll)

    def _stopped(self) -> str:
        if self.stop_requested is None:
            return ""
        return f"received {signal.Signals(self.stop_requested).name}"

    def stop(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + GRACE_SECONDS
        for child in self.children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def wait_for_port(host: str, port: int, *, timeout: float, alive: Supervisor) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if alive.stop_requested is not None or any(
            c.poll() is not None for c in alive.children.values()
        ):
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


class Command(BaseCommand):
    help = "Migrate, load the demo data and run the web server and a task worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-demo", action="store_true", help="do not load the demo data")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        call_command("migrate", interactive=False, verbosity=1)
        if not options["no_demo"]:
            call_command("demo", quiet_logins=True)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestop.config.settings")
        python = sys.executable
        supervisor = Supervisor(
            {
                "web": [python, "-m", "onestop", "serve", "--host", host, "--port", str(port)],
                "worker": [
                    python,
                    "-m",
                    "onestop",
                    "db_worker",
                    "--no-reload",
                    "--queue-name",
                    "*",
                ],
                "scheduler": [python, "-m", "onestop", "scheduler"],
            }
        )
        previous = {s: signal.signal(s, supervisor.request_stop) for s in STOP_SIGNALS}
        try:
            supervisor.start()
            if wait_for_port(host, port, timeout=60, alive=supervisor):
                self._announce(host, port, show_logins=not options["no_demo"])
            code, why = supervisor.wait()
        finally:
            supervisor.stop()
            for s, handler in previous.items():
                signal.signal(s, handler)
        self.stdout.write(f"stopped: {why}")
        if code:
            raise CommandError(f"onestop run: {why}", returncode=code)

    def _announce(self, host: str, port: int, *, show_logins: bool) -> None:
        from onestop.demo.data import DEMO_PASSWORD, demo_logins, logins_table

        self.stdout.write("")
        if show_logins and (logins := demo_logins()):
            self.stdout.write(f"demo logins (password for all: {DEMO_PASSWORD})")
            for line in logins_table(logins):
                self.stdout.write("  " + line)
            self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"OneStop is running at http://{host}:{port}/"))
        self.stdout.write("Ctrl-C stops the web server and the task worker.")
