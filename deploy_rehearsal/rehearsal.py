"""The rehearsal, step by step: deploy every wave, check what was recorded and read, drive the workflows, deploy
again (nothing may change), remove every stack (none may be left), then print what passed and every gap.

Usage: python -m deploy_rehearsal [--keep DIR] [--report FILE]
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import boto3
from botocore.config import Config

from deploy_rehearsal import drives, gaps
from deploy_rehearsal.emulator import CREDENTIALS, emulator_environment, running_ministack
from deploy_rehearsal.workspace import STAGE, recorded_outputs, scratch_repository
from localcloud.serverless import services


class StepFailed(AssertionError):
    pass


@dataclass
class Step:
    name: str
    ok: bool
    detail: str
    seconds: float


@dataclass
class Rehearsal:
    workspace: Path
    endpoint: str
    steps: list[Step] = field(default_factory=list)

    def client(self, service: str):
        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                            config=Config(retries={"max_attempts": 2}, read_timeout=70))

    def deploy_script(self, *args: str) -> str:
        """scripts/deploy.py of the scratch copy, as `make deploy` runs it, with AWS_ENDPOINT_URL at the emulator."""
        env = emulator_environment(self.endpoint)
        result = subprocess.run([sys.executable, "scripts/deploy.py", "--stage", STAGE, "--region", "us-east-1",
                                 *args], cwd=self.workspace, env=env, capture_output=True, text=True)
        log = self.workspace / "deploy.log"
        with open(log, "a") as out:
            out.write(f"$ scripts/deploy.py --stage {STAGE} {' '.join(args)}\n{result.stdout}{result.stderr}\n")
        if result.returncode != 0:
            raise StepFailed(f"scripts/deploy.py {' '.join(args)} exited {result.returncode} (log: {log}):\n"
                             f"{(result.stdout + result.stderr)[-3000:]}")
        return result.stdout

    def run(self, name: str, step: Callable[["Rehearsal"], str]) -> bool:
        print(f"-- {name}", flush=True)
        started = time.monotonic()
        try:
            detail, ok = step(self), True
        except Exception as error:  # a step that fails is reported; the next ones still run
            detail, ok = f"{type(error).__name__}: {error}", False
            if not isinstance(error, StepFailed):
                detail += "\n" + traceback.format_exc(limit=4)
        self.steps.append(Step(name, ok, detail, round(time.monotonic() - started, 1)))
        print(f"   {'ok' if ok else 'FAILED'} ({self.steps[-1].seconds} s): {detail}", flush=True)
        return ok


def stacks_of_stage(cfn) -> dict[str, str]:
    """Every stack of the rehearsal's stage that is not deleted, with its status."""
    pages = cfn.get_paginator("list_stacks").paginate()
    return {s["StackName"]: s["StackStatus"] for page in pages for s in page["StackSummaries"]
            if s["StackName"].endswith(f"-{STAGE}") and s["StackStatus"] != "DELETE_COMPLETE"}


def deploy_every_wave(r: Rehearsal) -> str:
    out = r.deploy_script()
    outputs = recorded_outputs(r.workspace)
    names = [s.name for s in services.discover()]
    missing = [n for n in names if not outputs.get(n)]
    if missing:
        raise StepFailed(f"no outputs recorded for {', '.join(missing)}")
    stacks = stacks_of_stage(r.client("cloudformation"))
    bad = {n: s for n, s in stacks.items() if not s.endswith("_COMPLETE")}
    if len(stacks) != len(names) or bad:
        raise StepFailed(f"stacks after deploy: {stacks}")
    waves = [line[len("== "):] for line in out.splitlines() if line.startswith("== wave")]
    return f"{len(stacks)} stacks deployed in {len(waves)} waves ({'; '.join(waves)}); outputs recorded for all"


def next_waves_read_outputs(r: Rehearsal) -> str:
    """What a wave recorded is what the next one deployed with: the layer ARN, the double URL, the approval ARN."""
    outputs = recorded_outputs(r.workspace)
    lam = r.client("lambda")
    layer = outputs["shared"]["SharedLambdaLayerQualifiedArn"]
    orchestrator = lam.get_function_configuration(FunctionName=f"waitflows-orchestrator-{STAGE}-requestDouble")
    checks = {
        "orchestrator's layer is shared's SharedLambdaLayerQualifiedArn":
            [x["Arn"] for x in orchestrator.get("Layers", [])] == [layer],
        "orchestrator's DOUBLE_URL is third-party-api's DoubleUrl":
            orchestrator["Environment"]["Variables"].get("DOUBLE_URL") == outputs["third-party-api"]["DoubleUrl"],
    }
    definition = r.client("stepfunctions").describe_state_machine(
        stateMachineArn=outputs["orchestrator"]["ApprovalWorkflowArn"])["definition"]
    checks["the approval workflow calls approval's RequestApprovalFunctionArn"] = (
        outputs["approval"]["RequestApprovalFunctionArn"] in definition)
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        raise StepFailed("; ".join(failed))
    return "; ".join(checks)


def redeploy_changes_nothing(r: Rehearsal) -> str:
    cfn = r.client("cloudformation")
    before_outputs = recorded_outputs(r.workspace)
    before = {name: cfn.get_template(StackName=name)["TemplateBody"] for name in stacks_of_stage(cfn)}
    out = r.deploy_script()
    after = {name: cfn.get_template(StackName=name)["TemplateBody"] for name in stacks_of_stage(cfn)}
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    unchanged_lines = [line for line in out.splitlines() if line.endswith("outputs unchanged in env.json")]
    if changed or recorded_outputs(r.workspace) != before_outputs or len(unchanged_lines) != len(before):
        raise StepFailed(f"the second deploy changed: templates of {changed or 'none'}; "
                         f"{len(unchanged_lines)} of {len(before)} services said outputs unchanged")
    return f"all {len(before)} stacks: same templates, outputs unchanged in env.json"


def remove_every_stack(r: Rehearsal) -> str:
    out = r.deploy_script("--remove")
    left = stacks_of_stage(r.client("cloudformation"))
    if left or recorded_outputs(r.workspace):
        raise StepFailed(f"left after removal: stacks {left}, outputs {list(recorded_outputs(r.workspace))}")
    order = [m.group(1) for m in re.finditer(r"^\$ \S+ remove .*\(in (?:services/)?(\S+?)/\)$", out, re.MULTILINE)]
    return f"removed {', '.join(order)}, in this order; no stack of stage {STAGE} left, no outputs recorded"


def rehearse(workspace: Path) -> Rehearsal:
    scratch_repository(workspace)
    with running_ministack(workspace / ".ministack") as endpoint:
        r = Rehearsal(workspace, endpoint)
        print(f"ministack at {endpoint}; deploying from {workspace} (stage {STAGE})", flush=True)
        if r.run("deploy every wave with the real osls", deploy_every_wave):
            r.run("each wave deployed with the outputs the earlier ones recorded", next_waves_read_outputs)
            for name, drive in drives.DRIVES:
                r.run(name, drive)
            r.run("a second deploy changes nothing", redeploy_changes_nothing)
        r.run("remove every stack, last wave first", remove_every_stack)
    return r


def print_summary(r: Rehearsal) -> None:
    print("\n== deploy rehearsal: what ran")
    for step in r.steps:
        print(f"{'ok    ' if step.ok else 'FAILED'} {step.name} ({step.seconds} s)")
    gaps.print_gaps()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="deploy from this folder (made new) and keep it afterwards")
    parser.add_argument("--report", type=Path, help="also write the steps and gaps here as JSON")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.keep:
        r = rehearse(args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="deploy-rehearsal-") as folder:
            r = rehearse(Path(folder) / "repo")
    print_summary(r)
    seconds = round(time.monotonic() - started)
    print(f"\nrehearsal took {seconds} s")
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps({"seconds": seconds, "steps": [asdict(s) for s in r.steps],
                                           "gaps": [asdict(g) for g in gaps.GAPS]}, indent=2, default=str))
    return 0 if r.steps and all(s.ok for s in r.steps) else 1
