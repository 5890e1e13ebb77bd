"""`make bench` figures of iot-callback: job round trip and throughput, against the running local cloud.

Real worker processes (python -m workers.onprem) through the local cloud's IoT gateway (mutual TLS, the tenant
policy checked on every packet) and mosquitto behind it; one worker per tenant, because a tenant's policy allows one
client id (its thing name: one connection), as on AWS. Each tenant is onboarded first, as an operator does it
(python -m workers.onprem.onboard: certificate, thing, policy).
"""
import os
import signal
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.harness import API, EDGE, MQTT_PORT, REPO, CpuMeter, client

JOB_TIMEOUT = 60.0


def _onboard(tenant: str, certs: Path) -> None:
    environment = {**os.environ, "AWS_ENDPOINT_URL": EDGE, "AWS_ACCESS_KEY_ID": "bench",
                   "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
    subprocess.run([sys.executable, "-m", "workers.onprem.onboard", "--tenant", tenant, "--out", str(certs)],
                   cwd=REPO, env=environment, check=True, stdout=subprocess.DEVNULL, timeout=60)


class _Worker:
    def __init__(self, tenant: str, log_dir: Path):
        self.log_path = log_dir / f"bench-worker-{tenant}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        certs = log_dir / "bench-tenants"
        _onboard(tenant, certs)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "workers.onprem", "--tenant", tenant,
                                             "--port", str(MQTT_PORT), "--cert", str(certs / f"{tenant}.crt"),
                                             "--key", str(certs / f"{tenant}.key")], cwd=REPO,
                                            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while "ready: waiting for jobs" not in self.log_path.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"worker {tenant} did not start: {self.log_path.read_text()[-1000:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _post(tenant: str, job_input: dict) -> str:
    response = requests.post(f"{API}/iot-callback/jobs", json={"tenant": tenant, "input": job_input}, timeout=30)
    response.raise_for_status()
    return response.json()["executionArn"]


def _wait_all(sfn, arns: list[str], interval: float = 0.02) -> dict[str, tuple[str, float]]:
    """executionArn -> (status, time.monotonic() when seen finished).

    One ListExecutions(RUNNING) per interval, not a DescribeExecution per pending run: the bench must not be the
    load it measures. A run not listed as running any more has ended; its status is read once."""
    pending, done = set(arns), {}
    machine = arns[0].replace(":execution:", ":stateMachine:").rsplit(":", 1)[0]
    deadline = time.monotonic() + JOB_TIMEOUT
    while pending and time.monotonic() < deadline:
        pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=machine, statusFilter="RUNNING")
        running = {execution["executionArn"] for page in pages for execution in page["executions"]}
        seen = time.monotonic()
        for arn in pending - running:
            done[arn] = (sfn.describe_execution(executionArn=arn)["status"], seen)
            pending.discard(arn)
        if pending:
            time.sleep(interval)
    for arn in pending:
        done[arn] = ("STILL RUNNING", time.monotonic())
    return done


def _round_trips(sfn, tenant: str, count: int) -> list[float]:
    seconds = []
    for i in range(count):
        started = time.monotonic()
        arn = _post(tenant, {"a": i, "b": 42})
        (status, finished), = _wait_all(sfn, [arn]).values()
        if status != "SUCCEEDED":
            raise RuntimeError(f"round trip {i}: {status}")
        seconds.append(finished - started)
    return seconds


def _throughput(sfn, tenants: list[str], count: int, workers: list[_Worker]) -> tuple[float, int, CpuMeter]:
    """jobs/s, jobs not succeeded, the CPU of every process (the cloud's tree and the workers)."""
    with CpuMeter(tuple(worker.process.pid for worker in workers)) as cpu:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            arns = list(pool.map(lambda i: _post(tenants[i % len(tenants)], {"a": i, "b": 1}), range(count)))
        results = _wait_all(sfn, arns, interval=0.1)
    elapsed = max(finished for _, finished in results.values()) - started
    succeeded = sum(1 for status, _ in results.values() if status == "SUCCEEDED")
    return succeeded / elapsed, count - succeeded, cpu


def run(report) -> None:
    log_dir = REPO / "test-output"
    sfn = client("stepfunctions")
    workers = [_Worker(f"tenant{n}", log_dir) for n in (1, 2, 3, 4)]
    try:
        _round_trips(sfn, "tenant1", 3)   # warm: the Lambda workers and the worker's connection
        with CpuMeter(tuple(worker.process.pid for worker in workers)) as cpu:
            trips = sorted(_round_trips(sfn, "tenant1", 50))
        report("iot job round trip p50 (POST /jobs -> SUCCEEDED, 50 jobs)", f"{statistics.median(trips) * 1000:.0f} ms")
        report("iot job round trip p95", f"{trips[int(len(trips) * 0.95) - 1] * 1000:.0f} ms")
        report("iot warm job, one at a time: CPU-ms per job, all processes (target <= 40)",
               f"{cpu.ms / 50:.0f} ({cpu.split(50)})")
        rate, lost, cpu = _throughput(sfn, ["tenant1"], 100, workers)
        report("iot jobs/s, 1 worker (100 jobs)", f"{rate:.1f} jobs/s, {lost} not succeeded")
        report("iot jobs, 1 worker: CPU-ms per job, all processes", f"{cpu.ms / 100:.0f} ({cpu.split(100)})")
        rate, lost, cpu = _throughput(sfn, ["tenant1", "tenant2", "tenant3", "tenant4"], 100, workers)
        report("iot jobs/s, 4 workers (4 tenants, 100 jobs; target >= 50, 0 lost)",
               f"{rate:.1f} jobs/s, {lost} not succeeded")
        report("iot jobs, 4 workers: CPU-ms per job, all processes", f"{cpu.ms / 100:.0f} ({cpu.split(100)})")
    finally:
        for worker in workers:
            worker.stop()


if __name__ == "__main__":
    run(lambda name, value: print(f"{name:60} {value}"))
