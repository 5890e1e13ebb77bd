"""`make bench` soak: every workflow kept busy at once for a while; nothing may be lost and nothing may answer 5xx.

Each workflow keeps BENCH_SOAK_CONCURRENCY runs in flight (default 3), all side by side, for BENCH_SOAK_SECONDS
(default 120) of starts, then drains what is still running. It prints runs finished, lost (started and not
SUCCEEDED: failed, timed out, or still running after the drain) and 5xx answers, and how often the cloud pushed
back (429/503) and was waited out.

The clients behave as API clients should: a 429 or 503 is tried again after its Retry-After; POST /jobs and
POST /calculate carry an Idempotency-Key, so a retry of a request that may have run (a 5xx, a timeout) cannot start a
second run. Polling stays gentle: per interval and workflow, one ListExecutions of its running executions (a
DescribeExecution only once a run has left that list, for its final status) and, for the approval, one mailbox read;
never a DescribeExecution per run per interval.

    make bench                                   # every area, the soak among them
    .venv/bin/python -m bench soak               # only the soak (bench/__main__.py starts the cloud)
    BENCH_EDGE_PORT=4634 BENCH_API_PORT=3634 BENCH_MQTT_PORT=8634 .venv/bin/python -m bench.soak   # a running cloud
"""
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qs, urlparse

import requests

from bench.harness import API, EDGE, REPO, client

SECONDS = float(os.environ.get("BENCH_SOAK_SECONDS", "120"))
CONCURRENCY = int(os.environ.get("BENCH_SOAK_CONCURRENCY", "3"))
DRAIN_SECONDS = 90.0
POLL_INTERVAL = 0.5
TENANT = "soak1"


@dataclass
class Tally:
    started: int = 0
    succeeded: int = 0
    lost: list[str] = field(default_factory=list)      # "<arn>: <status>"
    server_errors: int = 0                             # HTTP 5xx answers
    pushed_back: int = 0                               # 429/503 waited out
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count_answer(self, response: requests.Response) -> None:
        with self.lock:
            if response.status_code >= 500:
                self.server_errors += 1
            if response.status_code in (429, 503):
                self.pushed_back += 1


def post(tally: Tally, path: str, body: dict, *, idempotent: bool) -> requests.Response:
    """POST as a careful client: wait out pushback; with an Idempotency-Key, try a 5xx or a timeout again too."""
    headers = {"Idempotency-Key": str(uuid.uuid4())} if idempotent else {}
    for _ in range(20):
        try:
            response = requests.post(f"{API}{path}", json=body, headers=headers, timeout=30)
        except requests.Timeout:
            if idempotent:
                continue
            raise
        tally.count_answer(response)
        if response.status_code in (429, 503) or (idempotent and response.status_code >= 500):
            time.sleep(float(response.headers.get("Retry-After", "1")))
            continue
        return response
    return response


@dataclass
class Workflow:
    name: str
    machine: str                                       # the state machine's name
    start: Callable[[Tally, int], str | None]          # (tally, slot) -> execution ARN, None if refused
    tick: Callable[[Tally, set[str]], None] = lambda tally, in_flight: None   # e.g. click the approval emails
    tally: Tally = field(default_factory=Tally)


def _started(tally: Tally, response: requests.Response) -> str | None:
    if response.status_code >= 300:
        return None
    with tally.lock:
        tally.started += 1
    return response.json()["executionArn"]


# --- the workflows --------------------------------------------------------------------------------------------------

def approval() -> Workflow:
    clicked: set[str] = set()

    def start(tally, slot):
        return _started(tally, post(tally, "/orchestrator/calculate", {"x": slot, "y": 1}, idempotent=True))

    def approve_arrived(tally, in_flight):
        messages = requests.get(f"{EDGE}/_aws/ses", timeout=10).json()["messages"]
        for message in messages:
            text = message["Body"]["text_part"]
            arn = next((a for a in in_flight if a in text), None)
            if arn is None or arn in clicked:
                continue
            link = re.search(r"Approve:\s+(\S+)", text).group(1)
            sig = parse_qs(urlparse(link).query)["sig"][0]
            response = requests.post(link.split("?")[0], data={"action": "approve", "sig": sig}, timeout=30)
            tally.count_answer(response)
            if response.status_code < 300:
                clicked.add(arn)
                requests.delete(f"{EDGE}/_aws/ses", params={"id": message["Id"]}, timeout=10)

    return Workflow("approval (POST /calculate, email, approve)", "waitflows-approval-workflow-local", start,
                    approve_arrived)


def iot_job() -> Workflow:
    def start(tally, slot):
        return _started(tally, post(tally, "/iot-callback/jobs", {"tenant": TENANT, "input": {"a": slot, "b": 1}},
                                    idempotent=True))
    return Workflow("MQTT job (POST /jobs, on-premises worker)", "waitflows-iot-jobs-local", start)


def order(path: str, name: str, machine: str) -> Workflow:
    def start(tally, slot):
        return _started(tally, post(tally, path, {"item": f"soak-{slot}", "quantity": 1}, idempotent=False))
    return Workflow(name, machine, start)


def snapshot() -> Workflow:
    # One instance per slot: an instance takes one snapshot at a time.
    def start(tally, slot):
        return _started(tally, post(tally, "/rds-snapshot/snapshots/event-driven",
                                    {"dbInstanceIdentifier": f"soak-db-{slot}"}, idempotent=False))
    return Workflow("RDS snapshot, event-driven", "waitflows-rds-snapshot-event-driven-local", start)


# --- the loop -------------------------------------------------------------------------------------------------------

def _running(sfn, machine_arn: str) -> set[str]:
    pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=machine_arn, statusFilter="RUNNING")
    return {e["executionArn"] for page in pages for e in page["executions"]}


def keep_busy(workflow: Workflow, machine_arn: str, until: float) -> None:
    sfn, tally = client("stepfunctions"), workflow.tally
    in_flight: dict[str, int] = {}                     # arn -> slot
    while True:
        now = time.monotonic()
        if now < until:
            for slot in sorted(set(range(CONCURRENCY)) - set(in_flight.values())):
                arn = workflow.start(tally, slot)
                if arn:
                    in_flight[arn] = slot
        elif not in_flight or now > until + DRAIN_SECONDS:
            break
        workflow.tick(tally, set(in_flight))
        running = _running(sfn, machine_arn)
        for arn in [a for a in in_flight if a not in running]:
            status = sfn.describe_execution(executionArn=arn)["status"]
            del in_flight[arn]
            with tally.lock:
                if status == "SUCCEEDED":
                    tally.succeeded += 1
                else:
                    tally.lost.append(f"{arn}: {status}")
        time.sleep(POLL_INTERVAL)
    tally.lost += [f"{arn}: still RUNNING after the drain" for arn in in_flight]


def _prepare() -> list[subprocess.Popen]:
    """The programs and resources the workflows need: an on-premises worker, an activity worker, DB instances."""
    from bench.iot import _Worker

    rds = client("rds")
    for slot in range(CONCURRENCY):
        rds.create_db_instance(DBInstanceIdentifier=f"soak-db-{slot}", DBInstanceClass="db.t3.micro",
                               Engine="postgres", MasterUsername="admin1", MasterUserPassword="local-only-1",
                               AllocatedStorage=20)
    log_dir = REPO / "test-output"
    worker = _Worker(TENANT, log_dir)
    with open(log_dir / "bench-soak-activity-worker.log", "wb") as log:
        activity = subprocess.Popen([sys.executable, "-m", "workers.activity", "--endpoint", EDGE], cwd=REPO,
                                    stdout=log, stderr=subprocess.STDOUT)
    return [worker.process, activity]


def soak() -> list[Workflow]:
    workflows = [approval(), iot_job(),
                 order("/queue-callback/orders", "order (SQS callback)", "waitflows-queue-callback-orders-local"),
                 order("/queue-callback/orders/activity", "order (activity worker)",
                       "waitflows-queue-callback-activity-local"),
                 order("/queue-callback/orders/pull", "order (pull model, scheduled Lambda)",
                       "waitflows-queue-callback-pull-local"),
                 snapshot()]
    machines = {m["name"]: m["stateMachineArn"] for m in client("stepfunctions").list_state_machines()["stateMachines"]}
    processes = _prepare()
    try:
        until = time.monotonic() + SECONDS
        threads = [threading.Thread(target=keep_busy, args=(w, machines[w.machine], until), name=w.name)
                   for w in workflows]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    return workflows


def run(report) -> None:
    workflows = soak()
    total = Tally()
    for workflow in workflows:
        tally = workflow.tally
        report(f"soak {workflow.name}: finished, lost, 5xx",
               f"{tally.succeeded}, {len(tally.lost)}, {tally.server_errors}")
        total.succeeded += tally.succeeded
        total.lost += tally.lost
        total.server_errors += tally.server_errors
        total.pushed_back += tally.pushed_back
        for lost in tally.lost[:5]:
            print(f"    lost: {lost}", flush=True)
    report(f"soak, {CONCURRENCY} in flight per workflow for {SECONDS:.0f} s: finished, lost, 5xx",
           f"{total.succeeded}, {len(total.lost)}, {total.server_errors}")
    report("soak: pushed back (429/503, waited out)", str(total.pushed_back))


if __name__ == "__main__":
    run(lambda name, value: print(f"{name:70} {value}", flush=True))
