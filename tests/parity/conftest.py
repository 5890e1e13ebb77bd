"""Parity tier: a deploy defect, applied to a temporary copy of the repository, must make the local cloud fail the
way AWS would, with AWS's error.

Each test copies the repository (not its toolchains, which are linked, nor its git history), lets the defect
change the copy, and runs `python -m localcloud` from the copy with only the services the test needs, on free
ports. Packages of the services a defect does not touch are reused from the repository's own cache (same inputs,
same package), so only the defective service is packaged again.
"""
from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pytest

from tests.support.cloud import Cloud, free_port, running_cloud

REPO = Path(__file__).resolve().parents[2]
OUTPUT = REPO / "test-output" / "parity"
_NOT_COPIED = {".git", ".venv", "node_modules", ".lambda-runtime", ".localcloud", "test-output", ".pytest_cache",
               "__pycache__", ".ruff_cache", ".tools"}
_LINKED = ("node_modules", ".lambda-runtime", ".venv")


def copy_repository(target: Path) -> Path:
    shutil.copytree(REPO, target, ignore=lambda folder, names: [n for n in names if n in _NOT_COPIED],
                    symlinks=True)
    for name in _LINKED:
        if (REPO / name).exists():
            (target / name).symlink_to(REPO / name)
    state = REPO / ".localcloud"
    if (state / "templates" / "local").is_dir():
        shutil.copytree(state / "templates" / "local", target / ".localcloud" / "templates" / "local")
    if (state / "lambda").is_dir():
        (target / ".localcloud" / "lambda").symlink_to(state / "lambda")   # content-addressed: safe to share
    if (state / "mqtt").is_dir():
        shutil.copytree(state / "mqtt", target / ".localcloud" / "mqtt",
                        ignore=lambda folder, names: [n for n in names if n.startswith("broker-")])
    return target


def edit(path: Path, old: str, new: str) -> None:
    """Change one exact piece of a file of the copy; a defect that no longer applies fails loudly."""
    text = path.read_text()
    assert old in text, f"{path}: the defect no longer applies: {old!r} is not there"
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def cloud_with(tmp_path, request) -> Callable:
    """cloud_with(defect, services=...) -> a context manager: the local cloud of a copy with the defect."""

    @contextmanager
    def start(defect: Callable[[Path], None], *, services: str) -> Iterator[Cloud]:
        copy = copy_repository(tmp_path / "repo")
        defect(copy)
        log = OUTPUT / f"{request.node.name}.log"
        with running_cloud(copy, log, edge_port=free_port(), api_port=free_port(), mqtt_port=free_port(),
                           args=("--services", services, "--no-prewarm")) as cloud:
            yield cloud

    return start
