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


def _process_table() -> tuple[dict[int, list[int]], dict[int, int], dict[int, str]]:
    """children by parent pid, clock ticks (utime + stime + cutime + cstime) and command name, of every process."""
    children: dict[int, list[int]] = {}
    ticks: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            head, tail = Path(entry.path, "stat").read_text().rsplit(")", 1)
            command = Path(entry.path, "cmdline").read_bytes()
        except OSError:   # ended while we read
            continue
        pid, fields = int(entry.name), tail.split()
        children.setdefault(int(fields[1]), []).append(pid)
        ticks[pid] = sum(int(value) for value in fields[11:15])
        names[pid] = "Lambda workers" if b"lambda_/bootstrap.py" in command else head.split("(", 1)[1]
    return children, ticks, names


def tree_cpu_by_kind(root: int, label: str | None = None) -> dict[str, float]:
    """CPU-ms (user + system) of a process and all its descendants, by kind of process, from /proc (Linux).

    A process's own time plus the time of its children it has waited for (cutime, cstime), so a Lambda worker or a
    broker that ends between two readings still counts, as long as its parent has reaped it."""
    children, ticks, names = _process_table()
    by_kind: dict[str, float] = {}
    stack = [root]
    while stack:
        pid = stack.pop()
        kind = label or names.get(pid, "?")
        by_kind[kind] = by_kind.get(kind, 0.0) + ticks.get(pid, 0) * 1000 / os.sysconf("SC_CLK_TCK")
        stack.extend(children.get(pid, ()))
    return by_kind


def tree_cpu_ms(root: int) -> float:
    return sum(tree_cpu_by_kind(root).values())


class CpuMeter:
    """CPU-ms spent by the running local cloud (every process under `make local`: the cloud, its Lambda workers,
    its broker) and by any other processes given (e.g. the bench's own workers), between start and stop. CPU time
    is steadier than wall time on a loaded machine: it counts what the work costs, not what the other processes
    leave of the cores."""

    def __init__(self, extra_pids: tuple[int, ...] = ()):
        cloud = _running_cloud or [pid for pid in (pid_listening_on(EDGE_PORT),) if pid]   # or one already running
        self.roots = (*cloud, *extra_pids)
        self.ms = float("nan")

        self.extra = set(extra_pids)
        self.by_kind: dict[str, float] = {}

    def _read(self) -> dict[str, float]:
        total: dict[str, float] = {}
        for root in self.roots:
            for kind, ms in tree_cpu_by_kind(root, "bench workers" if root in self.extra else None).items():
                total[kind] = total.get(kind, 0.0) + ms
        return total

    def __enter__(self) -> "CpuMeter":
        self._before = self._read()
        return self

    def __exit__(self, *exc) -> None:
        after = self._read()
        self.by_kind = {kind: ms - self._before.get(kind, 0.0) for kind, ms in after.items()}
        self.ms = sum(self.by_kind.values()) if self.roots else float("nan")

    def split(self, runs: int) -> str:
        """CPU-ms per run of each kind of process, the largest first: `python 30, Lambda workers 12, ...`."""
        parts = sorted(((ms / runs, kind) for kind, ms in self.by_kind.items() if ms > 0), reverse=True)
        return ", ".join(f"{kind} {ms:.0f}" for ms, kind in parts)


def pid_listening_on(port: int) -> int | None:
    """The process serving 127.0.0.1:port (Linux /proc), so its CPU can be read."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":   # LISTEN
                inodes.add(fields[9])
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if any(os.readlink(fd.path).removeprefix("socket:[").rstrip("]") in inodes
                       for fd in os.scandir(f"{entry.path}/fd")):
                    return int(entry.name)
            except OSError:
                continue
    return None
