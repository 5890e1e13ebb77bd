"""The services of the monorepo, found from their serverless.yml files, and their CloudFormation templates.

serverless.yml is the single source of truth: `osls package` turns it into the very template that deploys, and the
local cloud reads that template. Packaging costs a few seconds per service, so a template is cached under
.localcloud/templates/<stage>/<service>/ and rebuilt only when the service's config (serverless.yml, state machines,
schemas) or env.json's section for that stage changes. Python code is not part of the key: the local runtime runs
handlers from the source tree.
"""
import hashlib
import json
import logging
import os
import re
import socket
import subprocess
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterator

REPO = Path(__file__).resolve().parents[1]
ENV_FILE = REPO / "env.json"
STATE_DIR = REPO / ".localcloud"
OSLS = REPO / "node_modules" / ".bin" / "osls"
_CONFIG_SUFFIXES = {".yml", ".yaml", ".json"}
_SKIP_DIRS = {".serverless", "__pycache__", "build", "node_modules"}
_OUTPUT_REFERENCE = re.compile(r"\.outputs\.([A-Za-z0-9_-]+)\.")


class PackagingFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Service:
    name: str     # the folder name: "approval", "third-party-api", "shared"
    path: Path

    @cached_property
    def config_text(self) -> str:
        return (self.path / "serverless.yml").read_text()

    @cached_property
    def depends_on(self) -> frozenset[str]:
        """Services whose recorded outputs (env.json stages.<stage>.outputs.<service>) this one reads."""
        return frozenset(_OUTPUT_REFERENCE.findall(self.config_text)) - {self.name}

    def config_files(self) -> list[Path]:
        files = []
        for root, dirs, names in os.walk(self.path):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
            files += [Path(root) / n for n in sorted(names) if Path(n).suffix in _CONFIG_SUFFIXES]
        return files


def discover() -> list[Service]:
    found = [Service("shared", REPO / "shared")]
    found += [Service(p.parent.name, p.parent) for p in sorted((REPO / "services").glob("*/serverless.yml"))]
    return found


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
    tmp = ENV_FILE.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(env, indent=2) + "\n")
    tmp.replace(ENV_FILE)
    return True


def _cache_key(service: Service, stage: str) -> str:
    digest = hashlib.sha256()
    for path in service.config_files():
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(json.dumps(stage_section(stage), sort_keys=True).encode())
    digest.update((REPO / "package.json").read_bytes())
    return digest.hexdigest()


def template_dir(service: Service, stage: str) -> Path:
    return STATE_DIR / "templates" / stage / service.name


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


def package(service: Service, stage: str, *, aws_endpoint: str, force: bool = False) -> dict:
    """The service's CloudFormation template for `stage`, from the cache when its inputs have not changed."""
    out = template_dir(service, stage)
    key_file, template_file = out / "inputs.sha256", out / "cloudformation-template-update-stack.json"
    key = _cache_key(service, stage)
    if not force and template_file.exists() and key_file.exists() and key_file.read_text() == key:
        return json.loads(template_file.read_text())
    if not OSLS.exists():
        raise PackagingFailed(f"{OSLS} is missing: run `make install` (npm ci) first")
    out.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [str(OSLS), "package", "--stage", stage, "--package", str(out)],
        cwd=service.path, capture_output=True, text=True,
        env={**os.environ, "SLS_TELEMETRY_DISABLED": "1", "SLS_NOTIFICATIONS_MODE": "off",
             "AWS_ENDPOINT_URL": aws_endpoint, "AWS_ACCESS_KEY_ID": "offline", "AWS_SECRET_ACCESS_KEY": "offline",
             "AWS_SESSION_TOKEN": "", "AWS_PROFILE": ""},
    )
    if result.returncode != 0:
        raise PackagingFailed(f"osls package failed for {service.name} (stage {stage}):\n"
                              f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
    key_file.write_text(key)
    return json.loads(template_file.read_text())


def package_all(services: list[Service], stage: str, *, aws_endpoint: str | None = None, force: bool = False,
                after_wave: Callable[[dict[str, dict]], None] | None = None) -> dict[str, dict]:
    """Package every service, in parallel within each dependency wave.

    after_wave sees each wave's templates before the next wave packages: the local cloud records the wave's outputs
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
