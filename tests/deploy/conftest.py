"""deploy tier: `make deploy-rehearsal` as a user runs it (python -m deploy_rehearsal, a real subprocess): the real
scripts/deploy.py and osls against the pinned ministack on a free port, from a scratch copy of the repository.

The rehearsal runs once for the tier; each test reads one thing it proved from its report and its printed log.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OUTPUT = REPO / "test-output" / "deploy"


@pytest.fixture(scope="session")
def rehearsal() -> dict:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    report = OUTPUT / "report.json"
    report.unlink(missing_ok=True)
    env_before = (REPO / "env.json").read_bytes()
    result = subprocess.run([sys.executable, "-m", "deploy_rehearsal", "--report", str(report)], cwd=REPO,
                            capture_output=True, text=True)
    (OUTPUT / "rehearsal.log").write_text(result.stdout + result.stderr)
    if not report.exists():
        pytest.fail(f"the rehearsal wrote no report (exit {result.returncode}):\n{(result.stdout + result.stderr)[-4000:]}")
    return {**json.loads(report.read_text()), "exit": result.returncode, "log": result.stdout,
            "env_untouched": (REPO / "env.json").read_bytes() == env_before}
