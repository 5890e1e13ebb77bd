"""Assemble the shared Lambda layer in shared/build/layer/python: our lambda_shared package plus its pinned
runtime dependencies (requirements/layer.txt), built for the Lambda platform (python3.12, x86_64)."""
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "shared" / "build" / "layer" / "python"


def main() -> None:
    if TARGET.parent.exists():
        shutil.rmtree(TARGET.parent)
    shutil.copytree(REPO / "shared" / "python", TARGET, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
         "--target", str(TARGET), "--platform", "manylinux2014_x86_64", "--python-version", "3.12",
         "--implementation", "cp", "--only-binary=:all:", "-r", str(REPO / "requirements" / "layer.txt")],
        check=True,
    )
    print(f"layer assembled in {TARGET.parent.relative_to(REPO)}")


if __name__ == "__main__":
    main()
