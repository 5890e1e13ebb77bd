"""The pinned ministack as the rehearsal's AWS: started on a free port of 127.0.0.1 with the adapters, then stopped."""
from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from localcloud.iot.broker import free_port

REPO = Path(__file__).resolve().parents[1]
MINISTACK_PYTHON = REPO / ".tools" / "ministack" / "bin" / "python"
ADAPTER = Path(__file__).resolve().parent / "ministack_adapter.py"
# Credentials for the emulator only; ministack's account is 000000000000.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "rehearsal", "AWS_SECRET_ACCESS_KEY": "rehearsal",
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}


def emulator_environment(endpoint: str | None = None) -> dict:
    """This process's environment with the emulator's credentials and none of the operator's AWS profile."""
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL")}
    env.update(CREDENTIALS)
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    return env


class EmulatorFailed(RuntimeError):
    pass


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_ministack/ready", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


@contextmanager
def running_ministack(state_dir: Path, timeout: float = 60) -> Iterator[str]:
    """ministack until the block ends; yields its endpoint, http://127.0.0.1:<port>."""
    if not MINISTACK_PYTHON.exists():
        raise EmulatorFailed(f"{MINISTACK_PYTHON} is missing: run `make deploy-rehearsal` (it installs "
                             f"requirements/ministack.txt into .tools/ministack/)")
    port = free_port("127.0.0.1")
    state_dir.mkdir(parents=True, exist_ok=True)
    # A bare environment: ministack hands its own to every Lambda worker, and a function on AWS sees none of the
    # operator's (or a test run's) variables.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(state_dir), "LANG": "C.UTF-8",
           **CREDENTIALS, "GATEWAY_PORT": str(port), "BIND_HOST": "127.0.0.1",
           # Its MQTT listener binds every interface (0.0.0.0) and its SFTP one is not needed: both off.
           "IOT_MTLS_ENABLED": "0", "SFTP_ENABLED": "0",
           "TMPDIR": str(state_dir), "S3_DATA_DIR": str(state_dir / "s3"),
           "REHEARSAL_LAMBDA_RUNTIME": str(REPO / ".lambda-runtime"), "PYTHONUNBUFFERED": "1"}
    log_path = state_dir / "ministack.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([str(MINISTACK_PYTHON), str(ADAPTER)], env=env, stdout=log,
                                   stderr=subprocess.STDOUT, cwd=state_dir, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while not _ready(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise EmulatorFailed(f"ministack did not start (see {log_path}):\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        # Lambda workers ministack started in its session, should any outlive it.
        try:
            os.killpg(process.pid, 15)
        except ProcessLookupError:
            pass
