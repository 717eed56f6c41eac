"""Re-upload monitoring's background work. Tasks take ids (strings) and are safe to run twice:
a run claims its source first (a second one, while the first is unfinished, does nothing), a
run queued by the sweep checks again that its source is due, and what a run finds is written
once (one request per URL per case, one review candidate per item and place)."""

from __future__ import annotations

from typing import Any

from django.tasks import task


@task()
def monitoring_run_task(*, source_id: str, only_if_due: bool = False) -> dict[str, Any] | None:
    """One pass of a source; → its counts, or None when it did not run."""
    from onestop.takedown.monitoring import monitoring_run

    run = monitoring_run(source_id=source_id, only_if_due=only_if_due)
    if run is None:
        return None
    return {
        "run": str(run.pk),
        "candidates": run.candidates,
        "matched": run.matched,
        "reviews": run.reviews,
        "errors": run.errors,
    }


@task()
def monitoring_sweep_task() -> int:
    """Queue a run of every active source that is due; → how many."""
    from onestop.takedown.monitoring import monitoring_sweep

    return monitoring_sweep()
