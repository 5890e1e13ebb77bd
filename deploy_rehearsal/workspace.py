"""A scratch copy of the repository to deploy from: its env.json is the scratch one, so the repository's own env.json,
service folders (.serverless/) and layer build are never touched by a rehearsal."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAGE = "rehearsal"
# Toolchains, state and output: linked (the first three) or left out, never copied.
_LINKED = ("node_modules", ".venv", ".lambda-runtime")
_NOT_COPIED = {".git", ".tools", ".localcloud", "test-output", ".pytest_cache", "__pycache__", ".ruff_cache",
               ".serverless", "build", *_LINKED}
# dev's settings, with the waits the drives sit through made short (a snapshot poll of a minute, on dev).
SETTINGS_OVERRIDES = {"snapshotFirstWaitSeconds": 1, "snapshotWaitCapSeconds": 4, "snapshotFixedWaitSeconds": 1,
                      "snapshotMaxWaitSeconds": 120}


def scratch_repository(target: Path) -> Path:
    """Copy the repository to `target` and give its env.json the stage `rehearsal`, with no outputs recorded."""
    shutil.copytree(REPO, target, ignore=lambda folder, names: [n for n in names if n in _NOT_COPIED],
                    symlinks=True)
    for name in _LINKED:
        if (REPO / name).exists():
            (target / name).symlink_to((REPO / name).resolve())
    env_file = target / "env.json"
    env = json.loads(env_file.read_text())
    env["stages"][STAGE] = {"settings": {**env["stages"]["dev"]["settings"], **SETTINGS_OVERRIDES}, "outputs": {}}
    env_file.write_text(json.dumps(env, indent=2) + "\n")
    return target


def recorded_outputs(workspace: Path) -> dict:
    return json.loads((workspace / "env.json").read_text())["stages"][STAGE].get("outputs", {})
