"""Benchmark: police referrals through the real ASGI server, and their live dashboard alerts.

Measures, in one run, against ``onestop serve`` (uvicorn serving
``onestop.config.asgi:application``) on PostgreSQL over loopback:
- police referrals (``POST /api/v1/referrals/police``) from N concurrent police systems (default
  20, each its own police agency and API key), closed loop for S seconds (default 60): 201s per
  second, p50/p95/p99 latency, status and error counts;
- for each 201, the time until its live alert (``referral.alert``) arrives on a dashboard
  websocket (``/ws/alerts/``) of an on-duty counselor, matched by ``received_at``: p50/p95, and
  how many alerts arrived against how many 201s;
- the baseline: the same clients for the same time against a bare Django JSON endpoint
  (``GET /api/v1/health``: no auth, ``SELECT 1``), and the ratio of the two throughputs.
Targets reported against: >= 100 referrals/s sustained, p95 < 100 ms, alert p95 < 1 s.

Set-up, all through the real operations commands on a throwaway database
(``onestop_bench_<pid>``, dropped at the end, also on failure or Ctrl-C): ``migrate``, the
default one-stop center, one police agency and ``police_referral`` key per client, and an
on-duty ``hotline_counselor`` who signs in through the login form and starts her shift through
``/accounts/duty/``. Every process gets the same environment: temporary ONESTOP_VAR_DIR,
ONESTOP_KEY_DIR and ONESTOP_KEY_FILE (your keys are untouched), ONESTOP_ENV=development with
ONESTOP_DEBUG=0, and ONESTOP_REFERRAL_RATE_LIMIT=1000000/60 so that the per-agency rate limit
(120/60 by default) never answers 429 in the benchmark. With more than one worker, REDIS_URL
points at one Redis database (``--redis-db``, flushed before and after), which carries the rate
limit counters and the channel layer that takes each alert from the worker that received the
referral to the worker holding the websocket. Other settings (ONESTOP_CONN_MAX_AGE, …) pass
through from your environment. The task worker (``db_worker``) runs only with ``--task-worker``.

The load client: one thread per police system, each with one keep-alive ``http.client``
connection, sending the next referral as soon as the last one is answered (closed loop). The
websocket listener runs in its own process and only timestamps messages while the load runs;
like the dashboard's script it reconnects after a drop (each drop is reported). Alert times are
the listener's arrival time minus the load client's 201 arrival time (one monotonic clock): the
server pushes the alert when the transaction commits, before it sends the 201, so some are
negative. Client, listener, server and machine CPU are printed, since they share the cores.

Run:  .venv/bin/python bench/bench_referrals.py [--seconds 60] [--clients 20] [--workers 2]
Needs PostgreSQL on 127.0.0.1:5432 (user postgres, no password) and, for --workers > 1, Redis
on 127.0.0.1:6379. Exits non-zero when the set-up fails; a missed target is only reported.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import itertools
import json
import math
import multiprocessing
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CENTER = "seoul-onestop"
DUTY_USERNAME = "bench-duty"
DUTY_PASSWORD = "bench-duty-password-1366"  # noqa: S105  (a throwaway account in a throwaway db)
RATE_LIMIT = "1000000/60"
SETUP_JOBS = 4
SEOUL = dt.timezone(dt.timedelta(hours=9))
TARGET_REFERRALS_PER_S = 100.0
TARGET_P95_S = 0.100
TARGET_ALERT_P95_S = 1.0

# The example of shared/contracts/police-referral.md; the report id and the victim's phone are
# filled in per request, so that every referral opens a new case.
REPORT_ID_SLOT, PHONE_SLOT = "@@REPORT_ID@@", "@@VICTIM_PHONE@@"


class SetupFailed(Exception):
    """The benchmark could not be set up: nothing was measured."""


# --- the request bodies -------------------------------------------------------------------------


def referral_template() -> str:
    now = dt.datetime.now(SEOUL).replace(microsecond=0)
    today = now.date()
    body = {
        "police_report_id": REPORT_ID_SLOT,
        "reported_at": (now - dt.timedelta(minutes=10)).isoformat(),
        "station": "마포경찰서",
        "officer": {"name": "경사 박○○", "phone": "02-3149-0000"},
        "victim": {
            "name": "김○○",
            "phone": PHONE_SLOT,
            "birth_year": 1995,
            "gender": "female",
            "address": "서울특별시 마포구 ...",
            "safe_contact": {
                "method": "sms",
                "from": "18:00",
                "to": "21:00",
                "note": "문자만 가능",
            },
        },
        "perpetrator": {
            "name": "이○○",
            "relationship": "former_partner",
            "phone": "010-9876-5432",
            "address": None,
        },
        "behaviours": ["communication", "watching_waiting"],
        "summary": "이별 후 하루 50통 이상의 전화와 1,000건의 메시지, 집 앞에서 기다림.",
        "police_risk_grade": "high",
        "protection_recommended": True,
        "protective_measures": [
            {
                "kind": "urgent_emergency",
                "from": today.isoformat(),
                "to": (today + dt.timedelta(days=1)).isoformat(),
            }
        ],
        "consent": {
            "given": True,
            "given_at": (now - dt.timedelta(minutes=5)).isoformat(),
            "method": "signed_form",
            "purposes": ["support_services"],
            "data_categories": ["identity", "contact", "incident", "risk", "address"],
            "officer_id": "A-1234",
        },
    }
    return json.dumps(body, ensure_ascii=False)


@dataclass
class Request:
    method: str
    path: str
    body: bytes | None
    headers: dict[str, str]


RequestMaker = Callable[[int, int], Request]
# Victim phone ranges per phase, far apart, so that no referral finds an earlier victim.
PHONE_OFFSET = {"warmup": 0, "measure": 10_000_000}


def referral_requests(*, keys: list[str], run_id: str, phase: str) -> RequestMaker:
    template = referral_template()
    phones = itertools.count()  # shared by the clients; next() is atomic under the GIL

    def make(client: int, seq: int) -> Request:
        n = next(phones) + PHONE_OFFSET[phase]
        phone = f"010-{2000 + n // 10_000:04d}-{n % 10_000:04d}"
        report_id = f"BENCH-{phase}-{client:03d}-{seq:07d}"
        body = template.replace(REPORT_ID_SLOT, report_id).replace(PHONE_SLOT, phone)
        return Request(
            "POST",
            "/api/v1/referrals/police",
            body.encode(),
            {
                "Authorization": f"Bearer {keys[client]}",
                "Idempotency-Key": f"bench-{run_id}-{phase}-{client}-{seq}",
                "Content-Type": "application/json",
            },
        )

    return make


def health_requests(client: int, seq: int) -> Request:
    return Request("GET", "/api/v1/health", None, {})


# --- load ---------------------------------------------------------------------------------------


@dataclass
class Sample:
    start: float
    end: float
    status: int  # 0: no HTTP answer (see error)
    error: str = ""
    body: bytes = b""  # kept for 201s only


@dataclass
class Phase:
    name: str
    clients: int
    start: float
    end: float
    samples: list[Sample]
    per_client: list[int]  # requests each client completed
    client_cpu_s: float
    server_cpu_s: float
    machine_busy_cores: float

    @property
    def elapsed(self) -> float:
        return self.end - self.start

    def count(self, status: int) -> int:
        return sum(1 for s in self.samples if s.status == status)

    def per_second(self, status: int | None = None) -> float:
        n = len(self.samples) if status is None else self.count(status)
        return n / self.elapsed if self.elapsed > 0 else 0.0

    def latencies(self) -> list[float]:
        return sorted(s.end - s.start for s in self.samples if s.status)

    def statuses(self) -> Counter[str]:
        return Counter(str(s.status) if s.status else f"error {s.error}" for s in self.samples)


def client_loop(
    port: int, client: int, make: RequestMaker, start: float, deadline: float, out: list[Sample]
) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    time.sleep(max(0.0, start - time.monotonic()))
    for seq in itertools.count():
        if time.monotonic() >= deadline:
            break
        request = make(client, seq)
        began = time.monotonic()
        try:
            conn.request(request.method, request.path, body=request.body, headers=request.headers)
            response = conn.getresponse()
            data = response.read()
            ended, status = time.monotonic(), response.status
            out.append(Sample(began, ended, status, body=data if status == 201 else b""))
        except (OSError, http.client.HTTPException) as exc:
            out.append(Sample(began, time.monotonic(), 0, error=type(exc).__name__))
            conn.close()  # the next request opens a new connection
    conn.close()


def run_load(
    *, name: str, port: int, clients: int, seconds: float, make: RequestMaker, server: set[int]
) -> Phase:
    start = time.monotonic() + 0.2
    deadline = start + seconds
    per_client: list[list[Sample]] = [[] for _ in range(clients)]
    threads = [
        threading.Thread(
            target=client_loop,
            args=(port, i, make, start, deadline, per_client[i]),
            name=f"client-{i}",
            daemon=True,
        )
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, start - time.monotonic()))
    cpu0, server0, machine0 = own_cpu(), group_cpu(server), machine_cpu()
    for thread in threads:
        thread.join()
    cpu1, server1, machine1 = own_cpu(), group_cpu(server), machine_cpu()
    samples = [s for chunk in per_client for s in chunk]
    end = max((s.end for s in samples), default=deadline)
    busy = (machine1[0] - machine0[0]) / max(machine1[1] - machine0[1], 1) * cores()
    return Phase(
        name=name,
        clients=clients,
        start=start,
        end=end,
        samples=samples,
        per_client=sorted(len(chunk) for chunk in per_client),
        client_cpu_s=cpu1 - cpu0,
        server_cpu_s=server1 - server0,
        machine_busy_cores=busy,
    )


# --- CPU accounting (Linux /proc) ---------------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def group_cpu(pgids: set[int]) -> float:
    """CPU seconds used so far by the live processes of these process groups (the server's)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            rest = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(rest[2]) in pgids:  # field 5, pgrp
            total += int(rest[11]) + int(rest[12])  # fields 14 and 15, utime and stime
    return total / TICKS


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    total = sum(values[:8])  # without guest time, which is counted in user already
    return total - idle, total


def cores() -> int:
    return os.cpu_count() or 1


# --- the dashboard websocket (its own process) --------------------------------------------------


def listen_for_alerts(
    url: str, origin: str, cookie: str, pipe: Connection, stop: Event, arrived: Synchronized[int]
) -> None:
    """Be the on-duty counselor's dashboard: connect, say when connected, timestamp every message
    until told to stop, then send back what arrived. Like the dashboard's script
    (``onestop.js``), reconnect after a drop (1 s, doubling up to 30 s, back to 1 s once open),
    and give up on close code 4403."""
    from websockets.exceptions import ConnectionClosed, InvalidHandshake
    from websockets.sync.client import connect
    from websockets.typing import Origin

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when this process ends
    messages: list[tuple[float, str | bytes]] = []
    drops: list[str] = []
    cpu0, began = own_cpu(), time.monotonic()
    ready, delay = False, 1.0
    while not stop.is_set():
        try:
            with connect(
                url,
                origin=Origin(origin),
                additional_headers={"Cookie": cookie},
                proxy=None,
                compression=None,
                open_timeout=15,
                close_timeout=2,
            ) as ws:
                delay = 1.0
                first = ws.recv(timeout=15)
                messages.append((time.monotonic(), first))
                if not ready:
                    kind = json.loads(first).get("type")
                    if kind != "referral.pending":
                        pipe.send(("failed", f"the first message was {kind!r}, not pending"))
                        return
                    pipe.send(("ready", None))
                    ready = True
                while not stop.is_set():
                    try:
                        raw = ws.recv(timeout=0.2)
                    except TimeoutError:
                        continue
                    messages.append((time.monotonic(), raw))
                    arrived.value += 1
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
            why = f"close code {code}" if code else "1006, no close frame"
            drops.append(f"{time.monotonic() - began:.1f} s ({why})")
            if code == 4403:
                break
        except (InvalidHandshake, OSError, TimeoutError) as exc:
            if not ready:
                pipe.send(("failed", f"{type(exc).__name__}: {exc}"))
                return
            drops.append(f"{time.monotonic() - began:.1f} s: reconnecting: {type(exc).__name__}")
        stop.wait(delay)
        delay = min(delay * 2, 30.0)
    if not ready:
        pipe.send(("failed", "; ".join(drops) or "stopped before connecting"))
        return
    stop.wait()
    alerts: list[tuple[str, float]] = []
    pending: list[tuple[str, float]] = []
    for at, raw in messages:
        message = json.loads(raw)
        if message.get("type") == "referral.alert":
            alerts.append((message["referral"]["received_at"], at))
        elif message.get("type") == "referral.pending":
            pending.extend((r["received_at"], at) for r in message["referrals"])
    cpu, span = own_cpu() - cpu0, time.monotonic() - began
    result = {"alerts": alerts, "pending": pending, "drops": drops, "cores": cpu / span}
    with contextlib.suppress(OSError):  # the parent was interrupted and stopped listening
        pipe.send(("done", result))


# --- set-up -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def onestop_command() -> list[str]:
    script = Path(sys.executable).parent / "onestop"
    return [str(script)] if script.exists() else [sys.executable, "-m", "onestop"]


def onestop(args: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    """Run one operations command; its standard output, or SetupFailed with its error."""
    result = subprocess.run(  # noqa: S603  (our own argv)
        [*onestop_command(), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise SetupFailed(f"onestop {' '.join(args[:2])} failed: " + " | ".join(detail))
    return result.stdout


def pg_execute(admin_url: str, statement: Any) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        cursor = conn.execute(statement)
        row = cursor.fetchone() if cursor.description else None
        return str(row[0]) if row else ""


def set_up_data(env: dict[str, str], clients: int) -> list[str]:
    """The center, one police agency and key per client, the duty counselor; the keys."""
    onestop(["migrate", "--verbosity", "0"], env)
    onestop(
        [
            "agency", "add", "--code", CENTER, "--kind", "onestop_center",
            "--name", "서울 원스톱", "--region", "seoul", "--default-center",
        ],
        env,
    )  # fmt: skip

    def police_system(i: int) -> str:
        code = f"police-bench-{i:03d}"
        onestop(
            [
                "agency", "add", "--code", code, "--kind", "police",
                "--name", f"벤치 경찰서 {i:03d}", "--region", "seoul",
            ],
            env,
        )  # fmt: skip
        issued = onestop(["apikey", "issue", "--agency", code, "--scope", "police_referral"], env)
        return str(json.loads(issued.strip().splitlines()[-1])["key"])

    def duty_counselor() -> None:
        onestop(
            [
                "staff", "add", "--agency", CENTER, "--username", DUTY_USERNAME,
                "--role", "hotline_counselor", "--password-stdin",
            ],
            env,
            stdin=DUTY_PASSWORD + "\n",
        )  # fmt: skip

    with ThreadPoolExecutor(SETUP_JOBS) as pool:
        staff = pool.submit(duty_counselor)
        keys = list(pool.map(police_system, range(clients)))
        staff.result()
    return keys


def http_call(
    port: int, method: str, path: str, *, body: str | None = None, headers: dict[str, str]
) -> tuple[int, dict[str, str], list[str], str]:
    """One request on a fresh connection: status, headers, Set-Cookie lines, text."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        cookies = response.headers.get_all("Set-Cookie") or []
        return response.status, dict(response.headers), cookies, text
    finally:
        conn.close()


def sign_in_on_duty(port: int) -> str:
    """Sign the duty counselor in through the login form and start her shift: the Cookie
    header her dashboard sends."""
    origin = f"http://{HOST}:{port}"
    jar: dict[str, str] = {}

    def keep(lines: list[str]) -> None:
        for line in lines:
            parsed: SimpleCookie = SimpleCookie()
            parsed.load(line)
            jar.update({name: morsel.value for name, morsel in parsed.items()})

    def cookie() -> str:
        return "; ".join(f"{k}={v}" for k, v in jar.items())

    status, _, lines, page = http_call(port, "GET", "/accounts/login/", headers={})
    keep(lines)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or token is None or "csrftoken" not in jar:
        raise SetupFailed(f"GET /accounts/login/ answered {status} without a CSRF token")
    form = {
        "csrfmiddlewaretoken": token.group(1),
        "username": DUTY_USERNAME,
        "password": DUTY_PASSWORD,
    }
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": origin,
        "Referer": f"{origin}/accounts/login/",
    }
    status, _, lines, _ = http_call(
        port,
        "POST",
        "/accounts/login/",
        body=urlencode(form),
        headers={**headers, "Cookie": cookie()},
    )
    keep(lines)
    if status != 302 or "sessionid" not in jar:
        raise SetupFailed(f"signing in as {DUTY_USERNAME} answered {status}, no session")
    form = {"csrfmiddlewaretoken": jar["csrftoken"], "on_duty": "1"}
    headers["Referer"] = f"{origin}/"
    status, _, lines, _ = http_call(
        port,
        "POST",
        "/accounts/duty/",
        body=urlencode(form),
        headers={**headers, "Cookie": cookie()},
    )
    keep(lines)
    if status != 302:
        raise SetupFailed(f"starting the shift (POST /accounts/duty/) answered {status}")
    return cookie()


def wait_until_serving(port: int, server: subprocess.Popen[bytes], log: Path, workers: int) -> None:
    deadline = time.monotonic() + 90
    while True:
        if server.poll() is not None:
            raise SetupFailed(f"uvicorn exited with code {server.returncode}:\n{tail(log)}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if http_call(port, "GET", "/api/v1/health", headers={})[0] == 200:
                break
        if time.monotonic() > deadline:
            raise SetupFailed(f"/api/v1/health did not answer 200 within 90 s:\n{tail(log)}")
        time.sleep(0.3)
    # Health answers once one worker is up; wait for the others (each logs its start).
    while log.read_text(errors="replace").count("Started server process") < workers:
        if time.monotonic() > deadline:
            raise SetupFailed(f"not every uvicorn worker started within 90 s:\n{tail(log)}")
        time.sleep(0.3)


def tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout)\b.*")


def log_summary(log: Path) -> str:
    """The exceptions the server logged, each with how often, and its warnings."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return "    (no server log)"
    found = Counter(line for line in lines if EXCEPTION_LINE.match(line))
    found.update(line for line in lines if line.startswith("WARNING") or "over capacity" in line)
    shown = [f"    {n} x {line[:150]}" for line, n in found.most_common(8)]
    return "\n".join(shown) or "    (no exceptions or warnings)"


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, then SIGKILL what is left after 10 s."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


# --- figures ------------------------------------------------------------------------------------


def percentile(ordered: list[float], p: float) -> float:
    """Nearest rank."""
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:.1f} ms"


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def received_at_of(sample: Sample) -> str | None:
    try:
        return str(json.loads(sample.body)["received_at"])
    except (ValueError, KeyError, TypeError):
        return None


@dataclass
class AlertFigures:
    expected: int  # 201s of the measured phase
    delays: list[float] = field(default_factory=list)  # alert arrival - 201 arrival, seconds
    on_reconnect: int = 0  # not alerted live, but listed as pending after a reconnection
    warmup: int = 0  # alerts of the warm-up's referrals
    unmatched: int = 0  # alerts that match no 201 (or a second alert for one)


def match_alerts(measured: Phase, warmup: Phase, result: dict[str, Any]) -> AlertFigures:
    waiting: dict[str, list[float]] = defaultdict(list)
    for sample in measured.samples:
        if sample.status == 201 and (at := received_at_of(sample)) is not None:
            waiting[at].append(sample.end)
    warm = {received_at_of(s) for s in warmup.samples if s.status == 201}
    figures = AlertFigures(expected=sum(len(v) for v in waiting.values()))
    for received_at, arrived in result["alerts"]:
        if waiting.get(received_at):
            figures.delays.append(arrived - waiting[received_at].pop(0))
        elif received_at in warm:
            figures.warmup += 1
        else:
            figures.unmatched += 1
    listed: dict[str, list[float]] = defaultdict(list)
    for received_at, arrived in result["pending"]:
        listed[received_at].append(arrived)
    figures.on_reconnect = sum(
        1
        for received_at, answered in waiting.items()
        for at in answered
        if any(shown > at for shown in listed.get(received_at, ()))
    )
    figures.delays.sort()
    return figures


def phase_line(label: str, phase: Phase, status: int) -> str:
    lat = phase.latencies()
    return (
        f"{label}: {phase.per_second(status):8.1f} {status}s/s  "
        f"p50 {ms(percentile(lat, 50))}  p95 {ms(percentile(lat, 95))}  "
        f"p99 {ms(percentile(lat, 99))}  ({len(phase.samples)} requests in {phase.elapsed:.1f} s)"
    )


def statuses_line(phase: Phase) -> str:
    parts = [f"{k}: {v}" for k, v in sorted(phase.statuses().items())]
    spread = phase.per_client
    return (
        "    statuses: " + ", ".join(parts) + f"; requests per client: min {spread[0]}, "
        f"median {spread[len(spread) // 2]}, max {spread[-1]}"
    )


def cpu_line(phase: Phase) -> str:
    span = phase.elapsed or 1e-9
    return (
        f"    cores busy: machine {phase.machine_busy_cores:.2f} of {cores()}, "
        f"server {phase.server_cpu_s / span:.2f}, load client {phase.client_cpu_s / span:.2f} "
        f"(the rest: PostgreSQL, Redis, anything else running)"
    )


# --- main ---------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n", 1)[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="measured load, each phase")
    parser.add_argument("--clients", type=int, default=20, help="concurrent police systems")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per phase")
    parser.add_argument("--drain", type=float, default=5.0, help="max wait for late alerts (s)")
    parser.add_argument(
        "--postgres", default="postgres://postgres@127.0.0.1:5432", help="server, no database"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379", help="server, no database")
    parser.add_argument("--redis-db", type=int, default=13, help="flushed before and after")
    parser.add_argument(
        "--no-redis",
        action="store_true",
        help="in-memory channel layer and cache (only with --workers 1)",
    )
    parser.add_argument("--server-log", type=Path, help="keep uvicorn's output in this file")
    parser.add_argument(
        "--task-worker", action="store_true", help="also run one db_worker, as in production"
    )
    args = parser.parse_args()
    if args.clients < 1 or args.workers < 1 or args.seconds <= 0:
        parser.error("--clients and --workers must be at least 1, --seconds above 0")
    if args.no_redis and args.workers > 1:
        parser.error("--no-redis needs --workers 1: the alert crosses workers through Redis")
    return args


def bench_env(args: argparse.Namespace, scratch: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("ONESTOP_ENCRYPTION_KEYS", "ONESTOP_BLIND_INDEX_KEY", "ONESTOP_SECRET_KEY"):
        env.pop(name, None)  # the developer's keys stay out of a throwaway database
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="onestop.config.settings",
        DATABASE_URL=database_url,
        ONESTOP_ENV="development",  # production would need real keys and HTTPS cookies
        ONESTOP_DEBUG="0",
        ONESTOP_VAR_DIR=str(scratch / "var"),
        ONESTOP_KEY_DIR=str(scratch / "keys"),
        ONESTOP_KEY_FILE=str(scratch / "keys" / "keyring.json"),
        ONESTOP_REFERRAL_RATE_LIMIT=RATE_LIMIT,
        PYTHONUNBUFFERED="1",
    )
    if not args.no_redis:
        env["REDIS_URL"] = f"{args.redis.rstrip('/')}/{args.redis_db}"
    return env


def flush_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=5).flushdb()
    except redis.RedisError as exc:
        raise SetupFailed(f"Redis at {url}: {exc}") from exc


def listener_says(receive: Connection, what: str) -> tuple[str, Any]:
    try:
        if receive.poll(30):
            kind, detail = receive.recv()
            return str(kind), detail
    except (EOFError, OSError):
        raise SetupFailed(f"the websocket listener died before it could {what}") from None
    raise SetupFailed(f"the websocket listener did not {what} within 30 s")


def http_stack() -> str:
    parts = []
    for module, name in (("httptools", "httptools"), ("uvloop", "uvloop")):
        try:
            __import__(module)
            parts.append(name)
        except ImportError:
            parts.append({"httptools": "h11", "uvloop": "asyncio loop"}[name])
    return ", ".join(parts)


def interrupted(signum: int, frame: Any) -> None:
    """SIGTERM unwinds like Ctrl-C, so that the clean-ups run."""
    raise KeyboardInterrupt


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, interrupted)
    run_id = f"{os.getpid()}-{int(time.time())}"
    admin_url = f"{args.postgres.rstrip('/')}/postgres"
    database = f"onestop_bench_{os.getpid()}"
    with contextlib.ExitStack() as cleanup:
        try:
            return measure(args, cleanup, run_id, admin_url, database)
        except SetupFailed as exc:
            print(f"set-up failed: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("interrupted; cleaning up", file=sys.stderr)
            return 130


def measure(
    args: argparse.Namespace,
    cleanup: contextlib.ExitStack,
    run_id: str,
    admin_url: str,
    database: str,
) -> int:
    from psycopg import Error as PgError
    from psycopg import sql

    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="onestop-bench-"))
    cleanup.callback(shutil.rmtree, scratch, ignore_errors=True)
    database_url = f"{args.postgres.rstrip('/')}/{database}"
    env = bench_env(args, scratch, database_url)
    try:
        pg_version = pg_execute(admin_url, "SHOW server_version").split()[0]
        pg_execute(admin_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    except PgError as exc:
        raise SetupFailed(f"PostgreSQL at {args.postgres}: {exc}") from exc

    def drop_database() -> None:
        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        try:
            pg_execute(admin_url, statement.format(sql.Identifier(database)))
        except PgError as exc:
            print(f"could not drop database {database}: {exc}", file=sys.stderr)

    cleanup.callback(drop_database)
    if "REDIS_URL" in env:
        flush_redis(env["REDIS_URL"])

        def flush_again() -> None:
            try:
                flush_redis(env["REDIS_URL"])
            except SetupFailed as exc:
                print(f"could not flush {env['REDIS_URL']}: {exc}", file=sys.stderr)

        cleanup.callback(flush_again)

    keys = set_up_data(env, args.clients)
    setup_s = time.monotonic() - started

    port = free_port()
    log = args.server_log or scratch / "server.log"
    log_file = cleanup.enter_context(log.open("wb"))
    server = subprocess.Popen(  # noqa: S603  (our own argv)
        [
            *onestop_command(), "serve",
            "--host", HOST, "--port", str(port), "--workers", str(args.workers),
        ],
        env=env, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    cleanup.callback(stop_group, server)
    server_groups = {server.pid}
    if args.task_worker:  # its CPU is counted with the server's
        worker = subprocess.Popen(  # noqa: S603  (our own argv)
            [*onestop_command(), "db_worker", "--no-reload", "--queue-name", "*"],
            env=env, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        cleanup.callback(stop_group, worker)
        server_groups.add(worker.pid)
    wait_until_serving(port, server, log, args.workers)
    cookie = sign_in_on_duty(port)

    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    stop = context.Event()
    arrived = context.Value("q", 0, lock=False)
    listener = context.Process(
        target=listen_for_alerts,
        args=(
            f"ws://{HOST}:{port}/ws/alerts/",
            f"http://{HOST}:{port}",
            cookie,
            send,
            stop,
            arrived,
        ),
        name="alert-listener",
    )
    listener.start()
    send.close()  # the listener's end: once it exits, reading here ends instead of waiting

    def stop_listener() -> None:
        stop.set()
        deadline = time.monotonic() + 10
        while listener.is_alive() and time.monotonic() < deadline:
            try:
                if receive.poll(0.1):  # an interrupted run did not read the result: let it go
                    receive.recv()
            except (EOFError, OSError):  # the listener has gone
                listener.join(timeout=deadline - time.monotonic())
        if listener.is_alive():
            listener.terminate()
            listener.join(timeout=5)

    cleanup.callback(stop_listener)
    kind, detail = listener_says(receive, "connect")
    if kind != "ready":
        raise SetupFailed(f"the dashboard websocket was refused: {detail}")

    def load(name: str, seconds: float, make: RequestMaker) -> Phase:
        return run_load(
            name=name, port=port, clients=args.clients, seconds=seconds, make=make,
            server=server_groups,
        )  # fmt: skip

    print(
        f"OneStop police referral benchmark: {args.clients} clients, {args.seconds:g} s per "
        f"phase, uvicorn {args.workers} worker(s) ({http_stack()}), PostgreSQL {pg_version}, "
        f"{'Redis channel layer and cache' if 'REDIS_URL' in env else 'in-memory channel layer'}"
        f"{', task worker (counted as server)' if args.task_worker else ', no task worker'}"
    )
    print(
        f"client: {args.clients} threads, one keep-alive http.client connection each, closed loop "
        f"(next request when the answer is read); websocket listener in its own process "
        f"(websockets sync client); rate limit {RATE_LIMIT} per agency; DEBUG off; Python "
        f"{platform.python_version()}; set-up took {setup_s:.0f} s"
    )

    load("warmup-health", args.warmup, health_requests)
    baseline = load("health", args.seconds, health_requests)
    warmup = load(
        "warmup", args.warmup, referral_requests(keys=keys, run_id=run_id, phase="warmup")
    )
    measured = load(
        "referrals", args.seconds, referral_requests(keys=keys, run_id=run_id, phase="measure")
    )
    expected = warmup.count(201) + measured.count(201)
    drain_until = time.monotonic() + args.drain
    while arrived.value < expected and time.monotonic() < drain_until:
        time.sleep(0.05)
    stop.set()
    kind, result = listener_says(receive, "report back")
    if kind != "done":
        raise SetupFailed(f"the websocket listener failed: {result}")

    report(args, baseline, measured, match_alerts(measured, warmup, result), result)
    bad = [s for s in (*baseline.samples, *measured.samples) if not s.status or s.status >= 500]
    if bad or result["drops"]:
        where = f" (all of it in {args.server_log})" if args.server_log else ""
        print(f"\nthe server logged{where}:\n{log_summary(log)}")
    return 0


def report(
    args: argparse.Namespace,
    baseline: Phase,
    measured: Phase,
    alerts: AlertFigures,
    listener: dict[str, Any],
) -> None:
    rate, base_rate = measured.per_second(201), baseline.per_second(200)
    p95 = percentile(measured.latencies(), 95)
    delays = alerts.delays
    alert_p95 = percentile(delays, 95)
    print()
    print(phase_line("baseline GET /api/v1/health  ", baseline, 200))
    print(statuses_line(baseline))
    print(cpu_line(baseline))
    print(phase_line("POST /api/v1/referrals/police", measured, 201))
    print(statuses_line(measured))
    print(cpu_line(measured))
    print(
        f"live alerts: {len(delays)} of {alerts.expected} 201s alerted (waited up to "
        f"{args.drain:g} s after the load); 201 to alert p50 {ms(percentile(delays, 50))}, "
        f"p95 {ms(alert_p95)}, max {ms(delays[-1] if delays else math.nan)}"
    )
    print(
        f"    {sum(1 for d in delays if d < 0)} alerts came before their 201 (counted as negative "
        f"times); {alerts.on_reconnect} not alerted live but listed as pending on reconnecting; "
        f"{alerts.unmatched} alerts matched no 201; listener used {listener['cores']:.3f} cores"
    )
    drops = listener["drops"]
    if drops:
        shown = "; ".join(drops[:3]) + ("; …" if len(drops) > 3 else "")
        print(
            f"    the dashboard socket dropped {len(drops)} times and reconnected as the "
            f"dashboard does (seconds after the listener started: {shown})"
        )
    print()
    ratio = rate / base_rate if base_rate else math.nan
    print(
        f"ratio referrals/s / health requests/s: {ratio:.3f} "
        f"(a referral costs {1 / ratio if ratio else math.inf:.1f} times a bare JSON request)"
    )
    print(f"target >= {TARGET_REFERRALS_PER_S:g} referrals/s: {rate:.1f}  {verdict(rate >= 100)}")
    print(f"target p95 < {ms(TARGET_P95_S)}: {ms(p95)}  {verdict(p95 < TARGET_P95_S)}")
    every = len(delays) == alerts.expected
    print(
        f"target alert p95 < {TARGET_ALERT_P95_S:g} s, for every 201: {ms(alert_p95)}, "
        f"{len(delays)}/{alerts.expected}  {verdict(alert_p95 < TARGET_ALERT_P95_S and every)}"
    )


if __name__ == "__main__":
    sys.exit(main())
