"""``onestop serve``: the server's listening socket sends without delay, and the server with two
worker processes answers, then stops on SIGTERM. A real uvicorn on a scratch SQLite database."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import uvicorn
from django.core.management import call_command
from django.core.management.base import CommandError

from onestop.demo.management.commands.serve import APPLICATION, listening_socket

ROOT = Path(__file__).resolve().parents[3]


def test_the_listening_socket_sends_without_delay():
    # accepted connections take TCP_NODELAY from the socket they were accepted on
    sock = listening_socket(uvicorn.Config(APPLICATION, host="127.0.0.1", port=0))
    try:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        sock.close()


def test_no_workers_is_refused():
    with pytest.raises(CommandError) as refused:
        call_command("serve", "--workers", "0")
    assert refused.value.returncode == 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_two_workers_answer_and_stop_on_sigterm(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "ONESTOP_SQLITE_PATH")
    }
    env.update(
        ONESTOP_VAR_DIR=str(tmp_path / "var"),
        ONESTOP_KEY_DIR=str(tmp_path / "keys"),
        ONESTOP_KEY_FILE=str(tmp_path / "keys" / "keyring.json"),
    )
    subprocess.run(
        [sys.executable, "-m", "onestop", "migrate", "-v0"], env=env, cwd=ROOT, check=True
    )
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(  # noqa: S603  (our own argv)
        [sys.executable, "-m", "onestop", "serve", "--workers", "2", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        status = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and status != 200:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/api/v1/health")
                status = connection.getresponse().status
                connection.close()
            except OSError:
                time.sleep(0.3)
        assert status == 200, (tmp_path / "serve.log").read_text()
        os.killpg(server.pid, signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        assert (tmp_path / "serve.log").read_text().count("Finished server process") == 2
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()
