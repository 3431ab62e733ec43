#!/usr/bin/env python3
"""The EV-charging flow (flows/ev-charging.json) as a DBOS workflow, and a closed-loop driver for it.

This is the peer that `evflow-bench flow` measures evflow against: the same session, against the same
`epayment-sim` process, at the same concurrency. DBOS runs with its SQLite system database (in a fresh folder
per run, on the disk `--state-dir` is on): every workflow start, step result, send and recv is a committed
SQLite transaction (synchronous=FULL, SQLite's default). The database is switched to WAL before DBOS creates
its tables (`--journal-mode wal`, the default here): on this machine that made DBOS 2.5-4x faster than the
rollback journal DBOS creates by itself (`--journal-mode delete`), and the peer should be measured at its best.

The workflow makes the same ePayment calls as evflow's flow, in the same order:
  access token (fetched once and cached, like evflow's AccessTokenProvider), create payment (Idempotency-Key),
  wait for the webhook (a DBOS message, as evflow's `paymentUpdated`) or 5 s, then GET until AUTHORIZED (every
  2 s), wait for meterReading / sessionEnded messages, price = startFee + round_half_up(price × Wh / 1000),
  capture min(price, reserved), cancel the remainder.
The notify steps of the evflow flow deliver nowhere in the benchmark (no station endpoint is configured), so
they have no counterpart here.

HTTP: `requests.Session` over urllib3, keep-alive, one connection pool sized to the concurrency, shared by the
workflow threads.

The driver keeps `--concurrency` sessions in flight (DBOS.start_workflow + DBOS.send ×3, then the result), runs
a warm-up, measures completions during `--seconds`, checks every finished session succeeded and captured what
it should, and prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid

import requests
from requests.adapters import HTTPAdapter
from dbos import DBOS, DBOSConfig, SetWorkflowID

# Session inputs, the same as the evflow driver's: 500.00 NOK reserved, 3.99 NOK/kWh, 4.90 NOK start fee;
# 7,350 Wh metered then 12,345 Wh at the end -> 490 + round(399 × 12345 / 1000) = 490 + 4926 = 5416 captured.
MAX_AMOUNT = 50_000
PRICE_PER_KWH = 399
START_FEE = 490
CURRENCY = "NOK"
METER_WH = 7_350
FINAL_WH = 12_345
PHONE = "4791234567"


def round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half-up, in integers (minor units; never floats)."""
    if numerator >= 0:
        return (numerator + denominator // 2) // denominator
    return -((-numerator + denominator // 2) // denominator)


def price(energy_wh: int) -> int:
    return START_FEE + round_half_up_div(PRICE_PER_KWH * energy_wh, 1000)


EXPECTED_CAPTURE = min(price(FINAL_WH), MAX_AMOUNT)


class EPayment:
    """A minimal ePayment client: the headers evflow sends, a cached access token, keep-alive connections."""

    def __init__(self, base_url: str, pool_size: int) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = threading.Lock()
        self.calls = 0  # approximate under threads; reported only as a sanity check
        self.common = {
            "Ocp-Apim-Subscription-Key": "bench-subscription-key",
            "Merchant-Serial-Number": "123456",
            "Vipps-System-Name": "evflow-bench-dbos",
            "Vipps-System-Version": "1.0.0",
            "Accept": "application/json, application/problem+json",
        }

    def token(self) -> str:
        with self._token_lock:
            # Refreshed a margin before it lapses, as evflow's provider does.
            if self._token is None or time.monotonic() > self._token_expires - 60:
                response = self.session.post(
                    self.base_url + "/accesstoken/get",
                    headers={**self.common, "client_id": "bench-client", "client_secret": "bench-secret"},
                    timeout=30,
                )
                self.calls += 1
                response.raise_for_status()
                body = response.json()
                self._token = body["access_token"]
                self._token_expires = time.monotonic() + float(body["expires_in"])
            return self._token

    def call(self, method: str, path: str, body: dict | None = None, key: str | None = None) -> dict:
        headers = {**self.common, "Authorization": "Bearer " + self.token()}
        if key is not None:
            headers["Idempotency-Key"] = key
        response = self.session.request(method, self.base_url + path, json=body, headers=headers, timeout=30)
        self.calls += 1
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path}: HTTP {response.status_code}: {response.text[:300]}")
        return response.json()


payments: EPayment  # set in main() before DBOS launches


@DBOS.step()
def create_payment(reference: str, amount: int, phone: str, key: str) -> str:
    body = {
        "amount": {"value": amount, "currency": CURRENCY},
        "customer": {"phoneNumber": phone},
        "paymentMethod": {"type": "WALLET"},
        "paymentDescription": "EV charging " + reference,
        "reference": reference,
        "userFlow": "PUSH_MESSAGE",
    }
    return payments.call("POST", "/epayment/v1/payments", body, key)["reference"]


@DBOS.step()
def get_payment(reference: str) -> dict:
    payment = payments.call("GET", f"/epayment/v1/payments/{reference}")
    return {"state": payment["state"], "aggregate": payment["aggregate"]}


@DBOS.step()
def capture(reference: str, amount: int, key: str) -> dict:
    body = {"modificationAmount": {"value": amount, "currency": CURRENCY}}
    return payments.call("POST", f"/epayment/v1/payments/{reference}/capture", body, key)["aggregate"]


@DBOS.step()
def cancel(reference: str, key: str) -> dict:
    body = {"cancelTransactionOnly": False}
    return payments.call("POST", f"/epayment/v1/payments/{reference}/cancel", body, key)["aggregate"]


@DBOS.workflow()
def ev_charging(session_id: str, phone: str, max_amount: int) -> dict:
    """One charging session: reserve, await authorization, meter, capture what is owed, release the rest."""
    workflow_id = DBOS.workflow_id
    reference = "ev-" + session_id
    create_payment(reference, max_amount, phone, f"{workflow_id}-reserve")

    # awaitPayment: woken by the webhook (a message) or after 5 s; then poll every 2 s, at most 15 min.
    DBOS.recv("payment", timeout_seconds=5)
    deadline = time.time() + 15 * 60
    while True:
        payment = get_payment(reference)
        if payment["state"] == "AUTHORIZED":
            break
        if payment["state"] in ("ABORTED", "EXPIRED", "TERMINATED") or time.time() > deadline:
            if payment["state"] == "CREATED":
                cancel(reference, f"{workflow_id}-abandon")
            return {"status": "failed", "error": "payment.notAuthorized", "state": payment["state"]}
        DBOS.sleep(2)
    reserved = payment["aggregate"]["authorizedAmount"]["value"]

    # meter: readings until the session ends or the cost reaches the reservation (12 h bound).
    energy_wh = 0
    cost = 0
    while True:
        signal = DBOS.recv("station", timeout_seconds=12 * 3600)
        if signal is None:
            break
        energy_wh = max(energy_wh, int(signal["energyWh"]))
        cost = price(energy_wh)
        if signal["name"] == "sessionEnded" or cost >= reserved:
            break

    amount_due = cost if energy_wh > 0 else 0
    amount = min(amount_due, reserved)
    captured = 0
    aggregate = payment["aggregate"]
    if amount > 0:
        aggregate = capture(reference, amount, f"{workflow_id}-capture")
        captured = amount
    held = aggregate["authorizedAmount"]["value"] - aggregate["capturedAmount"]["value"] - aggregate["cancelledAmount"]["value"]
    if held > 0:
        cancel(reference, f"{workflow_id}-release")
    return {"status": "succeeded", "energyWh": energy_wh, "captured": captured}


class Driver:
    """Closed loop: `concurrency` threads, each running one session after another until told to stop."""

    def __init__(self, concurrency: int, run_id: str) -> None:
        self.concurrency = concurrency
        self.run_id = run_id
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.completions: list[float] = []  # monotonic completion times
        self.latencies: list[tuple[float, float]] = []  # (completion time, seconds)
        self.failures: list[str] = []
        self.counter = 0

    def next_id(self) -> str:
        with self.lock:
            self.counter += 1
            return f"dbos-{self.run_id}-{self.counter}"

    def session(self, session_id: str) -> None:
        started = time.monotonic()
        with SetWorkflowID(session_id):
            handle = DBOS.start_workflow(ev_charging, session_id, PHONE, MAX_AMOUNT)
        # What the charging backend and the webhook receiver do, right away, as the evflow driver does.
        DBOS.send(session_id, {"event": "AUTHORIZED"}, "payment")
        DBOS.send(session_id, {"name": "meterReading", "energyWh": METER_WH}, "station")
        DBOS.send(session_id, {"name": "sessionEnded", "energyWh": FINAL_WH}, "station")
        result = handle.get_result()
        finished = time.monotonic()
        with self.lock:
            if result.get("status") != "succeeded" or result.get("captured") != EXPECTED_CAPTURE:
                self.failures.append(f"{session_id}: {result}")
            self.completions.append(finished)
            self.latencies.append((finished, finished - started))

    def worker(self) -> None:
        while not self.stop.is_set():
            session_id = self.next_id()
            try:
                self.session(session_id)
            except Exception as error:  # a failed session is reported, not hidden
                with self.lock:
                    self.failures.append(f"{session_id}: {type(error).__name__}: {error}")
                    self.completions.append(time.monotonic())

    def count(self) -> int:
        with self.lock:
            return len(self.completions)

    def wait_until(self, at_least: float, at_most: float, done) -> float:
        """Sleeps at least `at_least` seconds, then until done() or `at_most` seconds; returns when it stopped."""
        start = time.monotonic()
        time.sleep(at_least)
        while not done() and time.monotonic() - start < at_most:
            time.sleep(0.02)
        return time.monotonic()

    def run(self, warmup: float, seconds: float) -> dict:
        """The same window rule as evflow-bench's FlowLoad: it opens after the warm-up once C/2 sessions have
        finished (at most 15 s later) and closes after `seconds` once C/2 more have (at most 3 × seconds).
        Sessions still in flight then are not waited for: the process exits after printing its line."""
        threads = [threading.Thread(target=self.worker, daemon=True) for _ in range(self.concurrency)]
        begin = time.monotonic()
        for thread in threads:
            thread.start()
        quorum = max(1, self.concurrency // 2)
        window_start = self.wait_until(warmup, warmup + 15, lambda: self.count() >= quorum)
        cpu_at_open = time.process_time()
        at_open = self.count()
        window_end = self.wait_until(seconds, seconds * 3, lambda: self.count() - at_open >= quorum)
        cpu_in_window = time.process_time() - cpu_at_open
        self.stop.set()
        with self.lock:
            in_window = [t for t in self.completions if window_start <= t < window_end]
            latencies = sorted(s for t, s in self.latencies if window_start <= t < window_end)
            total = len(self.completions)
        elapsed = window_end - window_start
        return {
            "flows_measured": len(in_window),
            "seconds": round(elapsed, 3),
            "flows_per_s": len(in_window) / elapsed if elapsed > 0 else 0.0,
            "p50_ms": statistics.median(latencies) * 1000 if latencies else None,
            "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000 if latencies else None,
            "flows_total": total,
            "drain_seconds": 0.0,
            "wall_seconds": round(time.monotonic() - begin, 3),
            "cpu_seconds": round(cpu_in_window, 3),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-url", required=True, help="the epayment-sim URL")
    parser.add_argument("--concurrency", type=int, default=1, help="sessions in flight at all times")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured window")
    parser.add_argument("--warmup", type=float, default=1.5, help="seconds run before the window opens")
    parser.add_argument("--state-dir", default=None, help="folder for the SQLite system database (a fresh subfolder is made)")
    parser.add_argument("--poll-interval", type=float, default=1.0,
                        help="DBOS notification_listener_polling_interval_sec: how often a waiting recv looks for "
                             "new messages (SQLite has no LISTEN/NOTIFY; DBOS's default is 1.0)")
    parser.add_argument("--system-database-url", default=None,
                        help="a postgresql:// URL: DBOS's own PostgreSQL backend (a database of that name is created "
                             "when missing; LISTEN/NOTIFY wakes recv) instead of SQLite under --state-dir")
    parser.add_argument("--journal-mode", choices=["delete", "wal"], default="wal",
                        help="SQLite journal mode of the system database: wal (default) or delete (what DBOS creates)")
    arguments = parser.parse_args()

    global payments
    payments = EPayment(arguments.base_url, pool_size=max(10, arguments.concurrency * 2))
    state = tempfile.mkdtemp(prefix="dbos-flow-", dir=arguments.state_dir)
    database = os.path.join(state, "dbos.sqlite")
    if arguments.system_database_url is None and arguments.journal_mode == "wal":
        # WAL is a property of the database file: set before DBOS creates its tables, it stays on.
        import sqlite3
        with sqlite3.connect(database) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
    config: DBOSConfig = {
        "name": "evflow-bench-dbos",
        "system_database_url": arguments.system_database_url or "sqlite:///" + database,
        "notification_listener_polling_interval_sec": arguments.poll_interval,
        "log_level": "WARNING",
        # Every session in flight holds a connection while it waits or commits; DBOS's default of 20 would
        # make 256 sessions queue for connections rather than for the database.
        "sys_db_pool_size": max(20, arguments.concurrency + 8),
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        driver = Driver(arguments.concurrency, uuid.uuid4().hex[:8])
        result = driver.run(arguments.warmup, arguments.seconds)
        with driver.lock:
            failures = list(driver.failures)
        dbos_version = "unknown"
        try:
            from importlib.metadata import version
            dbos_version = version("dbos")
        except Exception:
            pass
        print(json.dumps({
            "engine": "dbos",
            "dbos_version": dbos_version,
            "concurrency": arguments.concurrency,
            **result,
            "failures": len(failures),
            "failure_sample": failures[:3],
            "expected_capture": EXPECTED_CAPTURE,
            "http_client": "requests.Session (urllib3 keep-alive)",
            "poll_interval_s": arguments.poll_interval,
            "journal_mode": arguments.journal_mode if arguments.system_database_url is None else None,
            "database": "postgresql" if arguments.system_database_url else database,
        }), flush=True)
        code = 0 if not failures else 2
    finally:
        shutil.rmtree(state, ignore_errors=True)
    # Sessions still in flight are abandoned with the process (their database is gone already): waiting for
    # them would only lengthen the benchmark, and DBOS.destroy() would wait on their threads.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
