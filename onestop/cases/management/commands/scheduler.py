"""``onestop scheduler``: enqueue the reminder sweep every few minutes (``--every``, seconds).

The sweep runs in a task worker like any task; it sends each reminder once however often it
runs, so two schedulers, or a scheduler restarted mid-sweep, send nothing twice. ``--once``
enqueues one sweep and exits (for cron or a systemd timer instead of this loop)."""

from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onestop.cases.tasks import reminders_sweep


class Command(BaseCommand):
    help = "Enqueue the reminder sweep every --every seconds (or --once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=300.0, help="seconds between sweeps")
        parser.add_argument("--once", action="store_true", help="enqueue one sweep and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            result = reminders_sweep.enqueue()
            self.stdout.write(f"scheduler: enqueued reminder sweep {result.id}")
            return
        every = max(1.0, float(options["every"]))
        stopping = False

        def stop(_signum: int, _frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"scheduler: a reminder sweep every {every:g} s")
        next_at = time.monotonic()
        while not stopping:
            if time.monotonic() >= next_at:
                reminders_sweep.enqueue()
                next_at = time.monotonic() + every
            time.sleep(0.2)
        self.stdout.write("scheduler: stopped")
