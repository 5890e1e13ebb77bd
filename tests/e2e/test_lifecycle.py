"""`make local` as a user runs it: Ctrl-C stops everything it started, and starting it again works."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import OUTPUT, REPO, free_port


def descendants(pid: int) -> set[int]:
    """Every process below pid, read from /proc (workers, mosquitto, Lambda worker processes)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def start_cloud(ports: dict, log_name: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "localcloud"] + [f"--{k}-port={v}" for k, v in ports.items()]
    with open(OUTPUT / log_name, "wb") as log:
        # Its own process group, so a failing test can still stop everything it started.
        process = subprocess.Popen(args, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "the local cloud exited while starting"
        try:
            if requests.get(f"http://127.0.0.1:{ports['edge']}/_localcloud/health", timeout=1).status_code == 200:
                return process
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.2)
    process.kill()
    pytest.fail("the local cloud was not healthy within 120 s")


def test_ctrl_c_leaves_no_process_behind_and_a_restart_works(cloud):   # after the session cloud: no port clash
    ports = {"edge": free_port(), "api": free_port(), "mqtt": free_port()}
    for attempt in ("first start", "restart"):
        process = start_cloud(ports, f"lifecycle-{attempt.replace(' ', '-')}.log")
        try:
            # Something that starts Lambda workers, so there is something to stop.
            requests.post(f"http://127.0.0.1:{ports['api']}/orchestrator/calculate", json={"x": 1, "y": 2},
                          timeout=30)
            started = descendants(process.pid)
            assert any("mosquitto" in _command(pid) for pid in started), f"{attempt}: healthy without its broker"
            process.send_signal(signal.SIGINT)   # Ctrl-C
            assert process.wait(timeout=60) == 0, attempt
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in started) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in started if alive(pid)], f"{attempt}: processes left behind"
