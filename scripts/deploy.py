"""`make deploy`: deploy the services to AWS with osls, wave by wave, and record each stack's outputs in env.json.

Usage: python scripts/deploy.py --stage dev [--service approval] [--region eu-west-1] [--dry-run] [--record-only]
       python scripts/deploy.py --remove --stage dev [--service approval]      (`make remove`)

Services read each other's URLs and ARNs from env.json (stages.<stage>.outputs.<service>.<Output>), so a service can
only deploy once the services it reads from are deployed *and* their outputs recorded. This script does both: it
deploys in the dependency waves of localcloud.serverless.services.deploy_waves() and, after every deploy, copies the stack's
CloudFormation outputs into env.json, where the next wave's serverless.yml finds them. Nobody edits env.json by hand.
Only outputs are recorded: a stack without the outputs other services read, or with a value not of the shape its
name promises (an ARN, a URL, a name), stops the deploy with the stack's name. `--remove` goes the other way, last
wave first, and forgets each removed stack's outputs.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import boto3
from botocore.exceptions import ClientError, NoCredentialsError

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from localcloud.serverless import services  # noqa: E402
from localcloud.serverless.services import Service  # noqa: E402

# The stage `make local` owns: its outputs point at the local cloud, never at AWS.
LOCAL_STAGE = "local"
# `${file(../../env.json):stages.${sls:stage}.outputs.<service>.<Output>, ...}`: which output of which service.
_OUTPUT_READ = re.compile(r"\.outputs\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)")
_SERVICE_LINE = re.compile(r"^service:\s*['\"]?([A-Za-z0-9-]+)", re.MULTILINE)
# What osls needs to run unattended: no telemetry, no update notices on a deploy log.
_OSLS_ENV = {"SLS_TELEMETRY_DISABLED": "1", "SLS_NOTIFICATIONS_MODE": "off"}
# What an output's name promises its readers, by how the name ends; the value must be a string of that shape.
_OUTPUT_SHAPES = (
    ("Arn", re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:\S+"), "an ARN"),
    ("Url", re.compile(r"https?://[^\s/]+(/\S*)?"), "a URL"),
    ("Endpoint", re.compile(r"https?://[^\s/]+(/\S*)?"), "a URL"),
    ("Name", re.compile(r"[A-Za-z0-9._:/-]+"), "a name"),
)
_NO_CREDENTIALS = ("no AWS credentials found: run `aws configure` (or `aws sso login --profile NAME` and "
                   "export AWS_PROFILE=NAME), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")


class DeployError(RuntimeError):
    """A problem the person deploying can fix; main() prints it without a traceback."""


class StackNotFound(DeployError):
    pass


def default_region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def find_service(name: str) -> Service:
    found = {s.name: s for s in services.discover()}
    if name not in found:
        raise DeployError(f"unknown service {name!r}; known: {', '.join(found)}")
    return found[name]


def stack_name(service: Service, stage: str) -> str:
    """osls names the stack `<service: in serverless.yml>-<stage>`; the folder name is not part of it."""
    match = _SERVICE_LINE.search(service.config_text)
    if not match:
        raise DeployError(f"{service.path / 'serverless.yml'} has no `service:` line")
    return f"{match.group(1)}-{stage}"


def missing_outputs(stage: str, service: Service) -> dict[str, list[str]]:
    """The outputs this service reads from other services that env.json does not have yet, by service.

    Without them osls would not fail: serverless.yml falls back to a 'not-deployed' placeholder, and the service
    would deploy pointing at nothing. So the check is on the exact outputs read, not just on the service.
    """
    recorded = services.stage_section(stage).get("outputs", {})
    missing: dict[str, list[str]] = {}
    for dep, output in sorted(set(_OUTPUT_READ.findall(service.config_text))):
        if dep != service.name and output not in recorded.get(dep, {}):
            missing.setdefault(dep, []).append(output)
    return missing


def outputs_read_by_others(service: Service) -> dict[str, list[str]]:
    """The outputs of `service` that other services' serverless.yml read, each with the services reading it."""
    readers: dict[str, list[str]] = {}
    for other in services.discover():
        for dep, output in sorted(set(_OUTPUT_READ.findall(other.config_text))):
            if dep == service.name and other.name != service.name:
                readers.setdefault(output, []).append(other.name)
    return readers


def check_outputs(name: str, service: Service, outputs: dict) -> None:
    """Refuse to record what is not a usable output: none at all, one another service reads missing, a bad value."""
    if not outputs:
        raise DeployError(f"stack {name} has no outputs: nothing to record for {service.name} (a deploy that "
                          f"kept no outputs is not a deploy the next wave can read)")
    for output, readers in outputs_read_by_others(service).items():
        if output not in outputs:
            raise DeployError(f"stack {name} has no output {output}, which {', '.join(readers)} read(s)")
    for key, value in outputs.items():
        if not isinstance(value, str) or not value.strip():
            raise DeployError(f"stack {name}: output {key} is empty or not a string ({value!r})")
        for suffix, shape, what in _OUTPUT_SHAPES:
            if key.endswith(suffix) and not shape.fullmatch(value):
                raise DeployError(f"stack {name}: output {key} = {value!r} is not {what}")


def _require_dependencies(stage: str, service: Service) -> None:
    missing = missing_outputs(stage, service)
    if missing:
        lines = [f"  {dep} (needs {', '.join(outputs)}): make deploy SERVICE={dep} STAGE={stage}"
                 for dep, outputs in missing.items()]
        raise DeployError(f"{service.name} reads outputs that env.json has no record of for stage {stage}; "
                          f"deploy these first:\n" + "\n".join(lines))


def check_stage(stage: str) -> None:
    if stage == LOCAL_STAGE:
        raise DeployError("stage 'local' belongs to `make local` (the offline cloud); deploy to another stage")
    try:
        services.stage_section(stage)
    except ValueError as error:
        raise DeployError(str(error)) from None


def plan(stage: str, service: str | None = None, *, require_dependencies: bool = True) -> list[list[Service]]:
    """The waves to deploy: every service in dependency order, or just `service` once its dependencies are in."""
    check_stage(stage)
    if service is None:
        try:
            return services.deploy_waves(services.discover())
        except ValueError as error:
            raise DeployError(str(error)) from None
    chosen = find_service(service)
    if require_dependencies:
        _require_dependencies(stage, chosen)
    return [[chosen]]


def commands(service: Service, stage: str, region: str) -> list[list[str]]:
    """What deploying one service runs, in its folder. The layer is rebuilt so `shared` never ships stale code."""
    steps = []
    if service.name == "shared":
        steps.append([sys.executable, str(REPO / "scripts" / "build_layer.py")])
    steps.append([str(services.OSLS), "deploy", "--stage", stage, "--region", region])
    return steps


def record_stack_outputs(cfn, stage: str, service: Service | str) -> dict[str, str]:
    """Read the stack's outputs and record them in env.json; print and return what changed (removed ones as None)."""
    if isinstance(service, str):
        service = find_service(service)
    name = stack_name(service, stage)
    try:
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as error:
        if "does not exist" in str(error):
            raise StackNotFound(f"stack {name} not found in region {cfn.meta.region_name}: "
                              f"is {service.name} deployed there? (make deploy SERVICE={service.name} "
                              f"STAGE={stage})") from None
        raise
    outputs = {o["OutputKey"]: o.get("OutputValue") for o in stack.get("Outputs", [])}
    before = services.stage_section(stage).get("outputs", {}).get(service.name, {})
    after = services.useful_outputs(outputs)
    check_outputs(name, service, after)
    services.record_outputs(stage, service.name, outputs)
    changes = {k: after.get(k) for k in sorted(before.keys() | after.keys()) if before.get(k) != after.get(k)}
    if not changes:
        print(f"{service.name}: outputs unchanged in env.json")
    for key, value in changes.items():
        mark = "-" if value is None else ("+" if key not in before else "~")
        print(f"{service.name}: {mark} outputs.{service.name}.{key}" + ("" if value is None else f" = {value}"))
    return changes


def _show(step: list[str], service: Service) -> str:
    """A command as a person would type it from the repo root (absolute paths make the log hard to read)."""
    shown = [str(Path(arg).relative_to(REPO)) if arg.startswith(f"{REPO}/") else arg for arg in step]
    return f"$ {shlex.join(shown)}   (in {service.path.relative_to(REPO)}/)"


def _run(step: list[str], service: Service, doing: str = "deploying") -> None:
    print(_show(step, service), flush=True)
    # No capture: osls's progress streams straight to the terminal (a deploy takes minutes).
    result = subprocess.run(step, cwd=service.path, env={**os.environ, **_OSLS_ENV})
    if result.returncode != 0:
        raise DeployError(f"{doing} {service.name} failed (`{Path(step[0]).name}` exited {result.returncode}); "
                          f"the services after it were left as they are")


def print_plan(waves: list[list[Service]], stage: str, region: str, record_only: bool) -> None:
    for number, wave in enumerate(waves, 1):
        print(f"wave {number}: {', '.join(s.name for s in wave)}")
        for service in wave:
            if not record_only:
                for step in commands(service, stage, region):
                    print(f"  {_show(step, service)}")
            print(f"  record outputs of stack {stack_name(service, stage)} into env.json "
                  f"stages.{stage}.outputs.{service.name}")


def _cloudformation(stage: str, region: str, doing: str, *, needs_osls: bool = True):
    """CloudFormation in the account the credentials name, checked before the first osls run and said aloud."""
    session = boto3.Session(region_name=region)
    # Fail before the first deploy rather than after `shared`, and say which account this goes to.
    if session.get_credentials() is None:
        raise NoCredentialsError()
    try:
        account = session.client("sts").get_caller_identity()["Account"]
    except ClientError as error:  # expired session, revoked key: say so before osls gets a worse message
        raise DeployError(f"AWS refused the credentials: {error}") from None
    print(f"{doing} stage {stage} in account {account}, region {region}")
    if needs_osls and not services.OSLS.exists():
        raise DeployError(f"{services.OSLS} is missing: run `make install` first")
    return session.client("cloudformation")


def deploy(waves: list[list[Service]], stage: str, region: str, *, record_only: bool = False,
           skip_missing: bool = False) -> None:
    """Deploy (or with record_only, only record) wave by wave; skip_missing passes over stacks not deployed."""
    cfn = _cloudformation(stage, region, "recording" if record_only else "deploying", needs_osls=not record_only)
    for number, wave in enumerate(waves, 1):
        print(f"== wave {number}: {', '.join(s.name for s in wave)}")
        for service in wave:
            if not record_only:
                # The earlier waves' outputs must really be recorded now, or osls would deploy placeholders.
                _require_dependencies(stage, service)
                for step in commands(service, stage, region):
                    _run(step, service)
            try:
                record_stack_outputs(cfn, stage, service)
            except StackNotFound as error:
                # `--record-only` over every service: some (placeholders, say) may simply not be deployed yet.
                if not skip_missing:
                    raise
                print(f"{service.name}: skipped, {error}")


def stack_exists(cfn, name: str) -> bool:
    try:
        cfn.describe_stacks(StackName=name)
    except ClientError as error:
        if "does not exist" in str(error):
            return False
        raise
    return True


def removal_plan(stage: str, service: str | None = None) -> list[Service]:
    """What `--remove` removes, last wave first; one service only once no service reading it is still recorded."""
    check_stage(stage)
    if service is None:
        return [s for wave in reversed(plan(stage)) for s in reversed(wave)]
    chosen = find_service(service)
    recorded = services.stage_section(stage).get("outputs", {})
    readers = sorted(s.name for s in services.discover() if chosen.name in s.depends_on and s.name in recorded)
    if readers:
        raise DeployError(f"{chosen.name} is read by services still deployed on stage {stage}; remove these first:\n"
                          + "\n".join(f"  make remove SERVICE={name} STAGE={stage}" for name in readers))
    return [chosen]


def remove(order: list[Service], stage: str, region: str) -> None:
    """`osls remove` each stack in order, check that it is gone, and forget its outputs in env.json."""
    cfn = _cloudformation(stage, region, "removing")
    for service in order:
        name = stack_name(service, stage)
        if stack_exists(cfn, name):
            _run([str(services.OSLS), "remove", "--stage", stage, "--region", region], service, "removing")
            if stack_exists(cfn, name):
                raise DeployError(f"stack {name} is still there after `osls remove`")
        else:
            print(f"{service.name}: stack {name} not deployed, nothing to remove")
        if services.forget_outputs(stage, service.name):
            print(f"{service.name}: - outputs.{service.name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True, help="a stage of env.json other than 'local'")
    parser.add_argument("--service", help="deploy only this service folder (shared, approval, orchestrator, ...)")
    parser.add_argument("--region", default=default_region(),
                        help="default: $AWS_REGION, $AWS_DEFAULT_REGION or us-east-1")
    parser.add_argument("--dry-run", action="store_true", help="print the waves and commands; run nothing")
    parser.add_argument("--record-only", action="store_true",
                        help="do not deploy; record the outputs of stacks already deployed (e.g. by hand)")
    parser.add_argument("--remove", action="store_true",
                        help="remove the stacks instead (last wave first) and forget their outputs")
    args = parser.parse_args(argv)
    try:
        if args.remove:
            order = removal_plan(args.stage, args.service)
            if args.dry_run:
                print("\n".join(f"remove stack {stack_name(s, args.stage)}   (in {s.path.relative_to(REPO)}/)"
                                for s in order))
                return 0
            remove(order, args.stage, args.region)
            print(f"done: removed {', '.join(s.name for s in order)} from stage {args.stage}")
            return 0
        waves = plan(args.stage, args.service, require_dependencies=not args.record_only)
        if args.dry_run:
            print_plan(waves, args.stage, args.region, args.record_only)
            return 0
        deploy(waves, args.stage, args.region, record_only=args.record_only,
               skip_missing=args.record_only and args.service is None)
    except NoCredentialsError:
        print(f"deploy: {_NO_CREDENTIALS}", file=sys.stderr)
        return 1
    except DeployError as error:
        print(f"deploy: {error}", file=sys.stderr)
        return 1
    print(f"done: env.json stages.{args.stage}.outputs is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
