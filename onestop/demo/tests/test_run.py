"""``onestop run`` supervises its two children: a stop request stops both cleanly; a child that
dies takes the other down and makes the command fail."""

from __future__ import annotations

import signal
import sys

from onestop.demo.management.commands.run import Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_a_dying_child_stops_the_other_and_fails():
    supervisor = Supervisor(
        {"web": [sys.executable, "-c", "raise SystemExit(3)"], "worker": SLEEPER}, poll=0.05
    )
    supervisor.start()
    try:
        code, why = supervisor.wait()
    finally:
        supervisor.stop()
    assert code == 3
    assert "web exited with code 3" in why
    assert all(child.poll() is not None for child in supervisor.children.values())


def test_a_child_that_exits_zero_still_fails_the_run():
    supervisor = Supervisor({"web": SLEEPER, "worker": [sys.executable, "-c", "pass"]}, poll=0.05)
    supervisor.start()
    try:
        code, why = supervisor.wait()
    finally:
        supervisor.stop()
    assert code == 1
    assert "worker" in why


def test_a_stop_request_stops_both_children():
    supervisor = Supervisor({"web": SLEEPER, "worker": SLEEPER}, poll=0.05)
    supervisor.start()
    try:
        supervisor.request_stop(signal.SIGTERM)
        code, why = supervisor.wait()
    finally:
        supervisor.stop()
    assert (code, why) == (0, "received SIGTERM")
    assert all(child.poll() is not None for child in supervisor.children.values())
