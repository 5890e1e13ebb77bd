"""Moto-gap scenarios run in a fresh interpreter, so a fix (a patch of moto's classes) cannot leak between tests.

A scenario script prints its findings as JSON on its last line; `run_scenario` returns them.
"""
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_scenario(script: str, *args: str, fixed: bool):
    """Run `script` as `python -c script *args fixed|raw` from the repository; its last printed line, parsed."""
    result = subprocess.run([sys.executable, "-c", script, *args, "fixed" if fixed else "raw"], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
