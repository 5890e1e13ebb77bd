"""The shared Lambda layer, assembled in shared/build/layer/python: our lambda_shared package plus its pinned
runtime dependencies (requirements/layer.txt), built for the Lambda platform (python3.12, x86_64).

The dependencies are installed once per content of requirements/layer.txt (shared/build/deps/<sha256>/), so
rebuilding the layer after an edit of lambda_shared costs a copy, not a pip install: the local cloud rebuilds it
by itself when shared/python changes.
"""
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REQUIREMENTS = REPO / "requirements" / "layer.txt"
SOURCE = REPO / "shared" / "python"
BUILD = REPO / "shared" / "build"
LAYER = BUILD / "layer"


def _dependencies() -> Path:
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    target = BUILD / "deps" / digest
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
         "--target", str(staging), "--platform", "manylinux2014_x86_64", "--python-version", "3.12",
         "--implementation", "cp", "--only-binary=:all:", "--no-deps", "-r", str(REQUIREMENTS)],
        check=True,
    )
    staging.rename(target)
    return target


def build() -> Path:
    dependencies = _dependencies()
    staging = Path(tempfile.mkdtemp(dir=BUILD))
    shutil.copytree(dependencies, staging / "python")
    shutil.copytree(SOURCE, staging / "python", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if LAYER.exists():
        shutil.rmtree(LAYER)
    staging.rename(LAYER)
    return LAYER

