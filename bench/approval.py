"""Figures of the approval workflow and of the Lambda runtime under it."""
import json
import os
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlparse

import requests

from bench.harness import API, EDGE, REPO, CpuMeter, client, median, percentile, wait_until

FUNCTION = "waitflows-orchestrator-local-calculate"


def warm_invoke_ms(count: int = 300) -> float:
    lam = client("lambda")
    payload = json.dumps({"x": 1, "y": 2}).encode()
    lam.invoke(FunctionName=FUNCTION, Payload=payload)   # make sure a worker is warm
    durations = []
    for _ in range(count):
        started = time.perf_counter()
        lam.invoke(FunctionName=FUNCTION, Payload=payload)["Payload"].read()
        durations.append((time.perf_counter() - started) * 1000)
    return median(durations)


def osls_invoke_local_ms(runs: int = 3) -> float:
    """The same function through `osls invoke local` (its usual local loop), with the layer on PYTHONPATH."""
    env = {**os.environ, "PATH": f"{REPO / '.venv' / 'bin'}:{os.environ['PATH']}",
           "PYTHONPATH": str(REPO / "shared" / "python"), "AWS_ACCESS_KEY_ID": "bench",
           "AWS_SECRET_ACCESS_KEY": "bench", "AWS_ENDPOINT_URL": EDGE, "SLS_TELEMETRY_DISABLED": "1"}
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run([str(REPO / "node_modules" / ".bin" / "osls"), "invoke", "local", "--function",
                                 "calculate", "--stage", "local", "--data", '{"x": 1, "y": 2}'],
                                cwd=REPO / "services" / "orchestrator", env=env, capture_output=True, text=True)
        durations.append((time.perf_counter() - started) * 1000)
        if '"sum": 3' not in result.stdout:
            raise RuntimeError(f"osls invoke local did not run the handler:\n{result.stdout}{result.stderr}")
    return median(durations)


def _emails() -> list[dict]:
    return requests.get(f"{EDGE}/_aws/ses", timeout=10).json()["messages"]


def _start(x: int, y: int) -> str:
    response = requests.post(f"{API}/orchestrator/calculate", json={"x": x, "y": y}, timeout=30)
    response.raise_for_status()
    return response.json()["executionArn"]


def _email_for(arn: str, emails: list[dict]) -> dict | None:
    return next((m for m in emails if arn in m["Body"]["text_part"]), None)


def _approve(email: dict) -> None:
    link = re.search(r"Approve:\s+(\S+)", email["Body"]["text_part"]).group(1)
    query = parse_qs(urlparse(link).query)
    requests.post(link.split("?")[0], data={"action": "approve", "sig": query["sig"][0]},
                  timeout=30).raise_for_status()


def hops(runs: int = 10) -> tuple[float, float]:
    """Median POST -> email visible, and click -> SUCCEEDED, in ms."""
    sfn = client("stepfunctions")
    to_email, to_success = [], []
    for i in range(runs):
        started = time.perf_counter()
        arn = _start(i, 1)
        email = wait_until(lambda: _email_for(arn, _emails()), timeout=30, interval=0.01)
        to_email.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        _approve(email)
        wait_until(lambda: sfn.describe_execution(executionArn=arn)["status"] != "RUNNING", timeout=30,
                   interval=0.01)
        to_success.append((time.perf_counter() - started) * 1000)
    return median(to_email), median(to_success)


def concurrent_runs(count: int = 100) -> tuple[float, int, float]:
    """count runs started at once and approved as their emails arrive: runs/s, runs lost, p95 run time (s)."""
    sfn = client("stepfunctions")
    started_at = {}
    with ThreadPoolExecutor(max_workers=16) as pool:
        began = time.perf_counter()
        for arn in pool.map(lambda i: _start(i % 200, 1), range(count)):   # sums stay below the 500 limit
            started_at[arn] = time.perf_counter()
        pending = set(started_at)

        def all_emails():
            return {arn: m for arn in pending if (m := _email_for(arn, emails))} if (emails := _emails()) else {}

        approved = set()
        while len(approved) < count:
            found = {arn: m for arn, m in all_emails().items() if arn not in approved}
            list(pool.map(_approve, found.values()))
            approved |= set(found)
            if time.perf_counter() - began > 300:
                break
            time.sleep(0.05)
        machine = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]
                       if m["name"] == "waitflows-approval-workflow-local")
        finished_at, succeeded = {}, set()
        while len(finished_at) < count and time.perf_counter() - began < 300:
            # One listing per status instead of a DescribeExecution per run: the bench must not be the load.
            for status in ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"):
                pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=machine, statusFilter=status)
                for execution in (e for page in pages for e in page["executions"]):
                    arn = execution["executionArn"]
                    if arn in pending and arn not in finished_at:
                        finished_at[arn] = time.perf_counter()
                        if status == "SUCCEEDED":
                            succeeded.add(arn)
            time.sleep(0.05)
    elapsed = max(finished_at.values(), default=time.perf_counter()) - began
    durations = [finished_at[a] - started_at[a] for a in succeeded]
    return len(succeeded) / elapsed, count - len(succeeded), percentile(durations, 95) if durations else 0.0


def run(report) -> None:
    warm = warm_invoke_ms()
    osls = osls_invoke_local_ms()
    report("warm local invoke (median, ms)", f"{warm:.2f}")
    report("osls invoke local, same function (median, ms)", f"{osls:.0f}")
    report("warm invoke speed-up over osls invoke local", f"{osls / warm:.0f}x")
    to_email, to_success = hops()
    report("POST /calculate -> approval email visible (median, ms)", f"{to_email:.0f}")
    report("click Approve -> execution SUCCEEDED (median, ms)", f"{to_success:.0f}")
    with CpuMeter() as cpu:
        rate, lost, p95 = concurrent_runs()
    report("100 concurrent approval runs: runs/s (target >= 30)", f"{rate:.1f}")
    report("100 concurrent approval runs: lost (target 0)", str(lost))
    report("100 concurrent approval runs: CPU-ms per run, all processes of the cloud", f"{cpu.ms / 100:.0f} ({cpu.split(100)})")
    report("100 concurrent approval runs: p95 start -> SUCCEEDED (s)", f"{p95:.2f}")
