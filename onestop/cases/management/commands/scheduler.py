"""``onestop scheduler``: enqueue the reminder sweep every few minutes (``--every``, seconds),
and each task of ``settings.ONESTOP_PERIODIC_TASKS`` (dotted path, seconds) at its own interval
— higher layers' sweeps (re-upload monitoring) named there, since this layer cannot import them.

Sweeps run in a task worker like any task; each sends or starts a thing once however often it
runs, so two schedulers, or a scheduler restarted mid-sweep, do nothing twice. ``--once``
enqueues each sweep once and exits (for cron or a systemd timer instead of this loop)."""

from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string

from onestop.cases.tasks import reminders_sweep


class Command(BaseCommand):
    help = "Enqueue the reminder sweep every --every seconds (or --once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=300.0, help="seconds between sweeps")
        parser.add_argument("--once", action="store_true", help="enqueue one sweep and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        periodic = [
            (path, import_string(path), max(1.0, float(seconds)))
            for path, seconds in getattr(settings, "ONESTOP_PERIODIC_TASKS", [])
        ]
        if options["once"]:
            result = reminders_sweep.enqueue()
            self.stdout.write(f"scheduler: enqueued reminder sweep {result.id}")
            for path, periodic_task, _seconds in periodic:
                result = periodic_task.enqueue()
                self.stdout.write(f"scheduler: enqueued {path} {result.id}")
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
        periodic_next = [time.monotonic()] * len(periodic)
        while not stopping:
            if time.monotonic() >= next_at:
                reminders_sweep.enqueue()
                next_at = time.monotonic() + every
            for i, (_path, periodic_task, seconds) in enumerate(periodic):
                if time.monotonic() >= periodic_next[i]:
                    periodic_task.enqueue()
                    periodic_next[i] = time.monotonic() + seconds
            time.sleep(0.2)
        self.stdout.write("scheduler: stopped")
