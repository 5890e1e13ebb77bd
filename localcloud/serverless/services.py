"""The services of the monorepo, found from their serverless.yml files, and their CloudFormation templates.

serverless.yml is the single source of truth: `osls package` turns it into the very template and deployment package
that deploy, and the local cloud runs both. Packaging costs a few seconds per service, so its output is cached under
.localcloud/templates/<stage>/<service>/<inputs hash>/ and rebuilt only when one of the service's files
(configuration and code: what the package may hold) or env.json's section for that stage changes. A folder per
inputs hash is never rewritten, so two local clouds (make local, make test) never read each other's half-written one.
"""
import hashlib
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterator

REPO = Path(__file__).resolve().parents[2]
ENV_FILE = REPO / "env.json"
STATE_DIR = REPO / ".localcloud"
OSLS = REPO / "node_modules" / ".bin" / "osls"
# Never part of a package's inputs: osls's own output, bytecode caches, the layer's dependency cache.
_SKIP_DIRS = {".serverless", "__pycache__", "node_modules", "deps"}
_INCLUDED_FILE = re.compile(r"\$\{file\(([^)]+\.(?:yml|yaml|json))\)")
_OUTPUT_REFERENCE = re.compile(r"\.outputs\.([A-Za-z0-9_-]+)\.")


class PackagingFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Service:
    name: str     # the folder name: "approval", "third-party-api", "shared"
    path: Path

    @cached_property
    def included_files(self) -> tuple[Path, ...]:
        """Configuration outside the service's folder that its serverless.yml pulls in with ${file()}, such as
        services/serverless.common.yml (env.json aside: its stage section counts on its own)."""
        text = (self.path / "serverless.yml").read_text()
        found = {(self.path / name).resolve() for name in _INCLUDED_FILE.findall(text)}
        return tuple(sorted(f for f in found if f.is_file() and f.name != "env.json" and self.path not in f.parents))

    @cached_property
    def config_text(self) -> str:
        """serverless.yml and what it includes from outside the folder, as osls reads them."""
        return "\n".join(path.read_text() for path in (self.path / "serverless.yml", *self.included_files))

    @cached_property
    def depends_on(self) -> frozenset[str]:
        """Services whose recorded outputs (env.json stages.<stage>.outputs.<service>) this one reads."""
        return frozenset(_OUTPUT_REFERENCE.findall(self.config_text)) - {self.name}

    def input_files(self) -> list[Path]:
        """Every file packaging may read: serverless.yml, state machines, schemas, the code, a layer's build."""
        files = []
        for root, dirs, names in os.walk(self.path):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
            files += [Path(root) / n for n in sorted(names) if not n.endswith(".pyc")]
        return files + list(self.included_files)


def discover() -> list[Service]:
    found = [Service("shared", REPO / "shared")]
    found += [Service(p.parent.name, p.parent) for p in sorted((REPO / "services").glob("*/serverless.yml"))]
    return found


def with_dependencies(services: list[Service], wanted: tuple[str, ...] | list[str]) -> list[Service]:
    """The wanted services and every service whose outputs they read, transitively (all of them if none wanted)."""
    if not wanted:
        return services
    by_name = {s.name: s for s in services}
    unknown = sorted(set(wanted) - by_name.keys())
    if unknown:
        raise ValueError(f"no such service: {', '.join(unknown)} (services: {', '.join(sorted(by_name))})")
    needed, todo = set(), list(wanted)
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            todo += by_name[name].depends_on
    return [s for s in services if s.name in needed]


def deploy_waves(services: list[Service]) -> list[list[Service]]:
    """Group services so that each wave only needs the outputs of earlier waves (the order `make deploy` uses)."""
    by_name = {s.name: s for s in services}
    for s in services:
        unknown = s.depends_on - by_name.keys()
        if unknown:
            raise ValueError(f"{s.name} reads outputs of unknown services: {', '.join(sorted(unknown))}")
    done: set[str] = set()
    waves = []
    while len(done) < len(services):
        wave = [s for s in services if s.name not in done and s.depends_on <= done]
        if not wave:
            cycle = sorted(s.name for s in services if s.name not in done)
            raise ValueError(f"services depend on each other's outputs in a cycle: {', '.join(cycle)}")
        waves.append(wave)
        done |= {s.name for s in wave}
    return waves


def read_env() -> dict:
    return json.loads(ENV_FILE.read_text())


def stage_section(stage: str) -> dict:
    try:
        return read_env()["stages"][stage]
    except KeyError:
        raise ValueError(f"env.json has no stage {stage!r}; add stages.{stage} with its settings") from None


_NOISE_OUTPUTS = ("ServerlessDeploymentBucketName", "LambdaFunctionQualifiedArn", "LayerHash", "LayerS3Key")


def useful_outputs(outputs: dict) -> dict:
    """The outputs other services may read: not the deployment bucket, function versions or layer bookkeeping."""
    return {k: v for k, v in sorted(outputs.items()) if not k.endswith(_NOISE_OUTPUTS)}


def record_outputs(stage: str, service: str, outputs: dict) -> bool:
    """Write a service's outputs into env.json (stages.<stage>.outputs.<service>); True if anything changed."""
    env = read_env()
    outputs = useful_outputs(outputs)
    current = env["stages"][stage].setdefault("outputs", {})
    if current.get(service) == outputs:
        return False
    current[service] = outputs
    env["stages"][stage]["outputs"] = dict(sorted(current.items()))
    _write_env(env)
    return True


def forget_outputs(stage: str, service: str) -> bool:
    """Drop a removed service's outputs from env.json, so nothing deploys against a stack that is gone."""
    env = read_env()
    if env["stages"][stage].get("outputs", {}).pop(service, None) is None:
        return False
    _write_env(env)
    return True


def _write_env(env: dict) -> None:
    tmp = ENV_FILE.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(env, indent=2) + "\n")
    tmp.replace(ENV_FILE)


def _cache_key(service: Service, stage: str) -> str:
    digest = hashlib.sha256()
    for path in service.input_files():
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(json.dumps(stage_section(stage), sort_keys=True).encode())
    digest.update((REPO / "package.json").read_bytes())
    return digest.hexdigest()


def template_dir(service: Service, stage: str) -> Path:
    return STATE_DIR / "templates" / stage / service.name


_TEMPLATE = "cloudformation-template-update-stack.json"
_KEPT_PACKAGES = 3   # per service and stage: the newest few, for clouds still running on an older one


@dataclass(frozen=True)
class Package:
    """What `osls package` made of one service: the CloudFormation template and the zips it names."""
    service: Service
    folder: Path

    @cached_property
    def template(self) -> dict:
        return json.loads((self.folder / _TEMPLATE).read_text())

    @property
    def template_file(self) -> Path:
        return self.folder / _TEMPLATE

    def artifact(self, s3_key: str) -> Path:
        """The zip a Code.S3Key / Content.S3Key names: osls keeps it, by that name, in the package folder."""
        return self.folder / s3_key.rsplit("/", 1)[-1]


def _prune(parent: Path, keep: Path) -> None:
    older = sorted((p for p in parent.iterdir() if p.is_dir() and p != keep and not p.name.startswith(".")),
                   key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in older[_KEPT_PACKAGES - 1:]:
        shutil.rmtree(stale, ignore_errors=True)


@contextmanager
def offline_aws_endpoint() -> Iterator[str]:
    """A throwaway moto server for osls to talk to while packaging.

    osls asks CloudFormation whether a layer was already uploaded (DescribeStacks) even when it only packages; moto
    answers "no such stack", so packaging needs no credentials and no network.
    """
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def package(service: Service, stage: str, *, aws_endpoint: str, force: bool = False) -> Package:
    """The service packaged for `stage`, from the cache when its inputs have not changed."""
    parent = template_dir(service, stage)
    out = parent / _cache_key(service, stage)[:20]
    if not force and (out / _TEMPLATE).exists():
        return Package(service, out)
    if not OSLS.exists():
        raise PackagingFailed(f"{OSLS} is missing: run `make install` (npm ci) first")
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".packaging-", dir=parent))
    result = subprocess.run(
        [str(OSLS), "package", "--stage", stage, "--package", str(staging)],
        cwd=service.path, capture_output=True, text=True,
        env={**os.environ, "SLS_TELEMETRY_DISABLED": "1", "SLS_NOTIFICATIONS_MODE": "off",
             "AWS_ENDPOINT_URL": aws_endpoint, "AWS_ACCESS_KEY_ID": "offline", "AWS_SECRET_ACCESS_KEY": "offline",
             "AWS_SESSION_TOKEN": "", "AWS_PROFILE": ""},
    )
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise PackagingFailed(f"osls package failed for {service.name} (stage {stage}):\n"
                              f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
    _publish(staging, out, replace=force)
    _prune(parent, keep=out)
    return Package(service, out)


def _publish(staging: Path, out: Path, *, replace: bool) -> None:
    """Make a finished package the cache entry for its inputs, never leaving a half-deleted one for a reader.

    Another cloud (a `make local` beside `make test`) may have packaged the same inputs meanwhile and may be
    reading that entry: the same inputs make the same package, so its entry stays and ours goes. Only a forced
    repackage replaces an entry, by renaming the old one out of the way first (a rename is atomic; a removal is not).
    """
    if out.exists() and replace:
        stale = out.with_name(f".stale-{out.name}-{os.getpid()}")
        out.rename(stale)
        shutil.rmtree(stale, ignore_errors=True)
    try:
        staging.rename(out)      # refused if out exists (it holds files): the other cloud's entry stands
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not (out / _TEMPLATE).exists():
            raise


def package_all(services: list[Service], stage: str, *, aws_endpoint: str | None = None, force: bool = False,
                after_wave: Callable[[dict[str, Package]], None] | None = None) -> dict[str, Package]:
    """Package every service, in parallel within each dependency wave.

    after_wave sees each wave's packages before the next wave packages: the local cloud records the wave's outputs
    there, which the next wave's serverless.yml files read from env.json.
    """
    if aws_endpoint is None:
        with offline_aws_endpoint() as endpoint:
            return package_all(services, stage, aws_endpoint=endpoint, force=force, after_wave=after_wave)
    templates = {}
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        for wave in deploy_waves(services):
            packaged = dict(zip((s.name for s in wave), pool.map(
                lambda s: package(s, stage, aws_endpoint=aws_endpoint, force=force), wave)))
            if after_wave:
                after_wave(packaged)
            templates.update(packaged)
    return templates
