"""The Step Functions engine side by side: the local cloud, plain moto server and ministack, in the same run, on the
same client code.

A 10-state Pass machine: StartExecution p50 (one start at a time, each timed), then executions/s (200 executions
started from 8 threads, timed until the last is seen SUCCEEDED), and the CPU-ms per execution of the serving
process tree. Completion is watched with one ListExecutions(SUCCEEDED) listing per interval, never one
DescribeExecution per run: the bench must not be the load it measures.

Plain moto runs `moto_server` from the project's venv with its engine turned on through moto's own config API (what
localcloud's enable_engine() sets in-process: stepfunctions.execute_state_machine); ministack is the pinned
emulator of the deploy rehearsal (.tools/ministack, requirements/ministack.txt), started as the rehearsal starts it.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import boto3
import requests

from bench.harness import EDGE, EDGE_PORT, REPO, _running_cloud, median, pid_listening_on, tree_cpu_ms, wait_until

STATES = 10
EXECUTIONS = 200
TIMED_STARTS = 50
THREADS = 8
POLL_INTERVAL = 0.1
MOTO_PORT = int(os.environ.get("BENCH_MOTO_PORT", "4655"))


def pass_machine() -> str:
    states = {f"S{i}": {"Type": "Pass", "Result": {"step": i}, "ResultPath": f"$.s{i}", "Next": f"S{i + 1}"}
              for i in range(STATES - 1)}
    states[f"S{STATES - 1}"] = {"Type": "Pass", "End": True}
    return json.dumps({"Comment": "bench: 10 Pass states", "StartAt": "S0", "States": states})


def _client(service: str, endpoint: str):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
                        aws_secret_access_key="bench")


def _succeeded(sfn, machine: str) -> int:
    pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=machine, statusFilter="SUCCEEDED")
    return sum(len(page["executions"]) for page in pages)


def measure(endpoint: str, cpu_root: int | None) -> dict:
    """StartExecution p50 (ms), executions/s and CPU-ms per execution of one emulator at `endpoint`."""
    sfn, iam = _client("stepfunctions", endpoint), _client("iam", endpoint)
    name = f"bench-engine-{time.time_ns()}"
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "states.amazonaws.com"}}]}))["Role"]["Arn"]
    machine = sfn.create_state_machine(name=name, roleArn=role, definition=pass_machine())["stateMachineArn"]
    sfn.start_execution(stateMachineArn=machine, name="warm-up", input="{}")
    wait_until(lambda: _succeeded(sfn, machine) == 1, timeout=60, interval=POLL_INTERVAL)

    starts = []
    for i in range(TIMED_STARTS):
        began = time.perf_counter()
        sfn.start_execution(stateMachineArn=machine, name=f"timed-{i}", input=json.dumps({"run": i}))
        starts.append((time.perf_counter() - began) * 1000)
    wait_until(lambda: _succeeded(sfn, machine) == 1 + TIMED_STARTS, timeout=120, interval=POLL_INTERVAL)

    clients = [_client("stepfunctions", endpoint) for _ in range(THREADS)]
    cpu_before = tree_cpu_ms(cpu_root) if cpu_root else float("nan")
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(lambda i: clients[i % THREADS].start_execution(
            stateMachineArn=machine, name=f"run-{i}", input=json.dumps({"run": i})), range(EXECUTIONS)))
    wait_until(lambda: _succeeded(sfn, machine) == 1 + TIMED_STARTS + EXECUTIONS, timeout=300,
               interval=POLL_INTERVAL)
    elapsed = time.perf_counter() - began
    cpu = (tree_cpu_ms(cpu_root) - cpu_before) if cpu_root else float("nan")
    return {"start_p50_ms": median(starts), "executions_per_s": EXECUTIONS / elapsed,
            "cpu_ms_per_execution": cpu / EXECUTIONS}


@contextmanager
def plain_moto():
    """moto_server from the venv, its Step Functions engine on (moto's config API), on 127.0.0.1:MOTO_PORT."""
    url = f"http://127.0.0.1:{MOTO_PORT}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1",
                                    "-p", str(MOTO_PORT)], stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            def up():
                try:
                    return requests.get(f"{url}/moto-api/", timeout=1).ok
                except requests.ConnectionError:
                    if process.poll() is not None:
                        log.seek(0)
                        raise RuntimeError(f"moto_server ended: {log.read()[-2000:]!r}") from None
                    return False
            wait_until(up, timeout=60, interval=0.1)
            requests.post(f"{url}/moto-api/config", json={"stepfunctions": {"execute_state_machine": True}},
                          timeout=10).raise_for_status()
            yield url, process.pid
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)


@contextmanager
def ministack():
    from deploy_rehearsal.emulator import running_ministack

    with tempfile.TemporaryDirectory() as state, running_ministack(Path(state)) as url:
        yield url, pid_listening_on(int(url.rsplit(":", 1)[1]))


def run(report) -> None:
    cloud = _running_cloud[0] if _running_cloud else pid_listening_on(EDGE_PORT)
    figures = {"local cloud": measure(EDGE, cloud)}
    with plain_moto() as (url, pid):
        figures["plain moto"] = measure(url, pid)
    if (REPO / ".tools" / "ministack" / ".installed").exists():
        with ministack() as (url, pid):
            figures["ministack"] = measure(url, pid)
    for target, figure in figures.items():
        report(f"engine, {target}: executions/s (10 Pass states, {EXECUTIONS} runs, {THREADS} threads)",
               f"{figure['executions_per_s']:.1f}")
        report(f"engine, {target}: StartExecution p50 (ms)", f"{figure['start_p50_ms']:.1f}")
        report(f"engine, {target}: CPU-ms per execution, serving processes", f"{figure['cpu_ms_per_execution']:.1f}")
    ours = figures["local cloud"]
    for peer in ("plain moto", "ministack"):
        if peer in figures:
            report(f"engine ratio local cloud / {peer}: executions/s (target >= 1.0 vs ministack)",
                   f"{ours['executions_per_s'] / figures[peer]['executions_per_s']:.2f}")
            report(f"engine ratio {peer} / local cloud: StartExecution p50",
                   f"{figures[peer]['start_p50_ms'] / ours['start_p50_ms']:.2f}")
    if "ministack" not in figures:
        report("engine, ministack", "not measured: .tools/ministack is not installed (make deploy-rehearsal)")


if __name__ == "__main__":   # against a running local cloud (BENCH_EDGE_PORT), plus its two peers
    run(lambda name, value: print(f"{name:75} {value}", flush=True))
