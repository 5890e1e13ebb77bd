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


_running_cloud: list[int] = []   # the `make local` of local_cloud(), while it runs: the root of its process tree


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
    _running_cloud.append(process.pid)

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
        _running_cloud.remove(process.pid)
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def cpu_ms(pid: int) -> float:
    """CPU time (user + system) a process has used so far, in ms, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def tree_cpu_ms(root: int) -> float:
    """CPU time (user + system) of a process and all its descendants, in ms, from /proc (Linux).

    A process's own time plus the time of its children it has waited for (cutime, cstime), so a Lambda worker or a
    broker that ends between two readings still counts, as long as its parent has reaped it."""
    children: dict[int, list[int]] = {}
    times: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:   # ended while we read
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        times[pid] = sum(int(value) for value in fields[11:15])
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += times.get(pid, 0)
        stack.extend(children.get(pid, ()))
    return total * 1000 / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU-ms spent by the running local cloud (every process under `make local`: the cloud, its Lambda workers,
    its broker) and by any other processes given (e.g. the bench's own workers), between start and stop. CPU time
    is steadier than wall time on a loaded machine: it counts what the work costs, not what the other processes
    leave of the cores."""

    def __init__(self, extra_pids: tuple[int, ...] = ()):
        self.roots = (*_running_cloud, *extra_pids)
        self.ms = float("nan")

    def __enter__(self) -> "CpuMeter":
        self._before = sum(tree_cpu_ms(root) for root in self.roots)
        return self

    def __exit__(self, *exc) -> None:
        self.ms = sum(tree_cpu_ms(root) for root in self.roots) - self._before if self.roots else float("nan")
