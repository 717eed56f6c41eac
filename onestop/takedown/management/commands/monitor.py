"""``onestop monitor``: re-upload monitoring from the command line.

- ``onestop monitor sweep`` queues a run of every active source that is due (for cron or a
  systemd timer; the worker runs them). ``onestop scheduler`` does not run it by itself: the
  scheduler (``cases``) may not import deletion support.
- ``onestop monitor run --source NAME`` runs one source now, in this process, and prints its
  counts as one JSON line (exit status 1 when it could not run: stopped, or already running).
- ``onestop monitor sources`` lists the sources, one JSON line each.

Nothing printed names a victim or carries a hash."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onestop.takedown.models import MonitoringSource
from onestop.takedown.monitoring import is_due, monitoring_run, monitoring_sweep


class Command(BaseCommand):
    help = "Re-upload monitoring: queue due runs (sweep), or run one source now (run)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("sweep", help="queue a run of every active source that is due")
        run = sub.add_parser("run", help="run one source now, in this process")
        run.add_argument("--source", required=True, help="the source's name")
        sub.add_parser("sources", help="list the sources")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "sweep":
            queued = monitoring_sweep()
            self.stdout.write(json.dumps({"queued": queued}))
        elif action == "run":
            source = MonitoringSource.objects.filter(name=options["source"]).first()
            if source is None:
                raise CommandError(f"no monitoring source named {options['source']!r}")
            run = monitoring_run(source_id=source.pk)
            if run is None:
                self.stdout.write(json.dumps({"source": source.name, "ran": False}))
                sys.exit(1)
            line = {
                "source": source.name,
                "ran": True,
                "run": str(run.pk),
                "candidates": run.candidates,
                "matched": run.matched,
                "reviews": run.reviews,
                "errors": run.errors,
            }
            self.stdout.write(json.dumps(line, ensure_ascii=False))
        else:
            from onestop.core import clock

            now = clock.now()
            for source in MonitoringSource.objects.order_by("name"):
                line = {
                    "name": source.name,
                    "kind": source.kind,
                    "active": source.active,
                    "every_hours": source.every_hours,
                    "last_run_at": source.last_run_at.isoformat() if source.last_run_at else None,
                    "due": source.active and is_due(source, now=now),
                }
                self.stdout.write(json.dumps(line, ensure_ascii=False))
