"""Starting the local cloud for a benchmark, and the small statistics the figures need."""
import os
import statistics
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import boto3
import requests

REPO = Path(__file__).resolve().parents[1]
EDGE_PORT = int(os.environ.get("BENCH_EDGE_PORT", "4566"))
API_PORT = int(os.environ.get("BENCH_API_PORT", "3000"))
MQTT_PORT = int(os.environ.get("BENCH_MQTT_PORT", "8883"))
EDGE, API = f"http://127.0.0.1:{EDGE_PORT}", f"http://127.0.0.1:{API_PORT}"


def client(service: str):
    return boto3.client(service, endpoint_url=EDGE, region_name="us-east-1", aws_access_key_id="bench",
                        aws_secret_access_key="bench")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def wait_until(condition, timeout: float, interval: float = 0.005):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"not true within {timeout}s")


@contextmanager
def local_cloud(log_path: Path):
    """`make local`, timed from the command to a healthy /_localcloud/health. Yields the seconds it took."""
    for url in (EDGE, API):
        try:
            requests.get(url, timeout=0.5)
        except requests.ConnectionError:
            continue
        raise SystemExit(f"{url} is taken: stop the running `make local` (or set BENCH_EDGE_PORT/BENCH_API_PORT)")
    args = f"--edge-port {EDGE_PORT} --api-port {API_PORT} --mqtt-port {MQTT_PORT}"
    started = time.monotonic()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(["make", "--no-print-directory", "local", f"LOCALCLOUD_ARGS={args}"], cwd=REPO,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def healthy():
        try:
            return requests.get(f"{EDGE}/_localcloud/health", timeout=0.5).status_code == 200
        except requests.Timeout:
            return False
        except requests.ConnectionError:
            return process.poll() is not None and (_ for _ in ()).throw(RuntimeError(log_path.read_text()[-3000:]))

    try:
        wait_until(healthy, timeout=180, interval=0.02)
        yield time.monotonic() - started
    finally:
        import signal
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def cpu_ms(pid: int) -> float:
    """CPU time (user + system) a process has used so far, in ms, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
