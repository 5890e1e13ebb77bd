"""What deploys, unpacked the way Lambda unpacks it.

A function runs from its service's deployment package (the zip `osls package` made, the very file `make deploy`
uploads) and from its layers' zips, never from the source tree:

    .localcloud/lambda/code/<zip sha256>/      LAMBDA_TASK_ROOT  (/var/task on AWS)
    .localcloud/lambda/opt/<layers sha256>/    what AWS extracts under /opt: every layer of the function, in order

Each is extracted once per content (two functions of one package share it, a rebuilt zip with the same bytes
costs nothing) into a folder made read-only, then renamed into place, so two local clouds starting at once never
see a half-extracted folder.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path


class ArtifactMissing(RuntimeError):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _make_read_only(root: Path) -> None:
    # As on AWS, where /var/task and /opt are read-only mounts (the runtime also refuses writes outside /tmp,
    # see bootstrap.py, which holds for a local cloud run as root too).
    for folder, dirs, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        Path(folder).chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)


def _extract_once(target: Path, zips: list[Path]) -> Path:
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for archive in zips:             # later layers overwrite earlier ones, as on AWS
            with zipfile.ZipFile(archive) as opened:
                opened.extractall(staging)
        _make_read_only(staging)
        try:
            staging.rename(target)
        except OSError:
            if not target.exists():      # not another cloud winning the race: a real failure
                raise
    finally:
        if staging.exists():
            staging.chmod(0o700)
            for folder, dirs, _ in os.walk(staging):
                for name in dirs:
                    (Path(folder) / name).chmod(0o700)
            shutil.rmtree(staging, ignore_errors=True)
    return target


class Unpacked:
    """The extracted artifacts of one local cloud's state folder."""

    def __init__(self, state_dir: Path):
        self.root = state_dir / "lambda"

    def code(self, package_zip: Path) -> Path:
        if not package_zip.is_file():
            raise ArtifactMissing(f"{package_zip} does not exist: the service was not packaged")
        return _extract_once(self.root / "code" / _sha256(package_zip), [package_zip])

    def opt(self, layer_zips: list[Path]) -> Path | None:
        """The /opt of a function with these layers, in order; None for a function without layers."""
        if not layer_zips:
            return None
        for archive in layer_zips:
            if not archive.is_file():
                raise ArtifactMissing(f"{archive} does not exist: the layer was not packaged")
        key = hashlib.sha256("\n".join(_sha256(z) for z in layer_zips).encode()).hexdigest()
        return _extract_once(self.root / "opt" / key, layer_zips)


def artifact_name(s3_key: str) -> str:
    """The zip a template's Code.S3Key / Content.S3Key names: osls puts it, by that name, in the package folder."""
    return s3_key.rsplit("/", 1)[-1]
