"""Terminal views of the running local cloud, through its AWS API (AWS_ENDPOINT_URL, default http://127.0.0.1:4566):

    python -m localcloud executions [--status RUNNING] [--state-machine NAME]   a table, newest first
    python -m localcloud watch <executionArn>          states entered/exited as they happen; exit 0 on SUCCEEDED
    python -m localcloud logs [function] [--follow]    the Lambda logs the quiet terminal does not show
    python -m localcloud faults add --service states --operation SendTaskSuccess --error ThrottlingException --count 1
    python -m localcloud faults add --kind mqtt-drop --topic 'tenants/+/results' --count 1   (or mqtt-delay,
                                 mqtt-disconnect --client-id, lambda-kill / lambda-timeout --function)
    python -m localcloud faults list | clear [--id fault-1]    the fault rules (localcloud/faults/)

`add_subcommands(subparsers)` adds them to the argparse parser of localcloud/__main__.py; `python -m localcloud.cli`
runs them on their own.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

import boto3
from botocore.config import Config

from localcloud import logs as cloud_logs
from localcloud.console import graph, progress

DEFAULT_ENDPOINT = "http://127.0.0.1:4566"
STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE")
_MARK = {"succeeded": "✔", "caught": "↷", "failed": "✘", "in_progress": "…", "not_reached": " "}


def _stepfunctions():
    return boto3.client("stepfunctions", endpoint_url=os.environ.get("AWS_ENDPOINT_URL", DEFAULT_ENDPOINT),
                        region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
                        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "localcloud"),
                        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "localcloud"),
                        config=Config(retries={"mode": "standard", "max_attempts": 3}))


def executions(args, out=sys.stdout) -> int:
    sfn = _stepfunctions()
    rows = []
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if args.state_machine and args.state_machine not in (machine["name"], machine["stateMachineArn"]):
                continue
            kwargs = {"stateMachineArn": machine["stateMachineArn"]}
            if args.status:
                kwargs["statusFilter"] = args.status
            for listed in sfn.get_paginator("list_executions").paginate(**kwargs):
                rows += [(e["startDate"], machine["name"], e["status"], e["executionArn"], e.get("stopDate"))
                         for e in listed["executions"]]
    rows.sort(reverse=True)
    table = [("STARTED", "STATUS", "STATE MACHINE", "DURATION", "EXECUTION ARN")]
    for started, machine, status, arn, stopped in rows:
        duration = f"{(stopped - started).total_seconds():.1f}s" if stopped else "running"
        table.append((started.astimezone().strftime("%Y-%m-%d %H:%M:%S"), status, machine, duration, arn))
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[4], file=out)
    if len(table) == 1:
        print("(no executions" + (f" with status {args.status}" if args.status else "") + ")", file=out)
    return 0


def watch(args, out=sys.stdout) -> int:
    """Print each state entered/exited until the execution ends; the exit code says whether it SUCCEEDED."""
    sfn = _stepfunctions()
    described = sfn.describe_execution(executionArn=args.execution_arn)
    definition = json.loads(sfn.describe_state_machine(stateMachineArn=described["stateMachineArn"])["definition"])
    names = graph.state_names(definition)
    print(f"watching {described['name']} ({len(names)} states); Ctrl-C stops watching, not the execution", file=out)
    seen = 0
    while True:
        described = sfn.describe_execution(executionArn=args.execution_arn)   # before the history: none is missed
        pages = sfn.get_paginator("get_execution_history").paginate(executionArn=args.execution_arn)
        events = [event for page in pages for event in page["events"]]
        runs = progress.state_runs(events, described["status"], names)
        done = sum(1 for r in runs.values() if r.status not in ("not_reached", "in_progress"))
        for event in events[seen:]:
            line = _event_line(event, runs, done, len(names))
            if line:
                print(line, file=out, flush=True)
        seen = len(events)
        if described["status"] != "RUNNING":
            detail = f": {described.get('error')} {described.get('cause') or ''}" if described.get("error") else ""
            print(f"{described['status']}{detail}", file=out, flush=True)
            return 0 if described["status"] == "SUCCEEDED" else 1
        time.sleep(args.interval)


def _event_line(event: dict, runs: dict, done: int, total: int) -> str | None:
    stamp = event["timestamp"].astimezone().strftime("%H:%M:%S")
    kind = event["type"]
    if kind.endswith("StateEntered"):
        name = event["stateEnteredEventDetails"]["name"]
        return f"{stamp} [{done:>2}/{total}] → {name} ({kind[:-len('StateEntered')]})"
    if kind.endswith("StateExited"):
        name = event["stateExitedEventDetails"]["name"]
        status = runs[name].status if name in runs else "succeeded"
        return f"{stamp} [{done:>2}/{total}] {_MARK.get(status, '?')} {name} {status.replace('_', ' ')}"
    if kind.endswith(("Failed", "TimedOut")) and not kind.startswith("Execution"):
        details = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
        return f"{stamp}            ! {kind}: {details.get('error', '')}"
    return None


def lambda_logs(args, out=sys.stdout) -> int:
    """The Lambda lines of the running cloud's log file (of functions whose name holds args.function)."""
    port = int(os.environ.get("AWS_ENDPOINT_URL", DEFAULT_ENDPOINT).rstrip("/").rsplit(":", 1)[-1])
    log_file = Path(args.log_file) if args.log_file else cloud_logs.default_log_file(port)
    if not log_file.exists():
        print(f"no log file at {log_file}: is the local cloud running (with --edge-port {port})?", file=sys.stderr)
        return 1
    shown = 0
    while True:
        found = cloud_logs.lambda_lines(log_file, args.function)
        for line in found[shown:]:
            print(line, file=out, flush=True)
        shown = len(found)
        if not args.follow:
            return 0
        time.sleep(0.5)


def faults(args, out=sys.stdout) -> int:
    """Add, list or clear fault rules through the cloud's /_localcloud/faults API."""
    import requests

    url = os.environ.get("AWS_ENDPOINT_URL", DEFAULT_ENDPOINT).rstrip("/") + "/_localcloud/faults"
    if args.action == "add":
        rule = {name: value for name, value in (
            ("kind", args.kind), ("service", args.service), ("operation", args.operation),
            ("resource", args.resource), ("error", args.error), ("status", args.status), ("message", args.message),
            ("latency_ms", args.latency_ms), ("topic", args.topic), ("client_id", args.client_id),
            ("function", args.function), ("after_ms", args.after_ms), ("count", args.count),
            ("probability", args.probability))
            if value is not None}
        answer = requests.post(url, json=rule, timeout=10)
    elif args.action == "clear":
        answer = requests.delete(f"{url}/{args.id}" if args.id else url, timeout=10)
    else:
        answer = requests.get(url, timeout=10)
    print(json.dumps(answer.json(), indent=2), file=out)
    return 0 if answer.ok else 1


def add_subcommands(subparsers) -> None:
    listing = subparsers.add_parser("executions", help="list executions of every state machine")
    listing.add_argument("--status", choices=STATUSES, help="only executions with this status")
    listing.add_argument("--state-machine", help="only this state machine (name or ARN)")
    listing.set_defaults(func=executions)
    watching = subparsers.add_parser("watch", help="follow one execution until it ends (exit 0 when SUCCEEDED)")
    watching.add_argument("execution_arn")
    watching.add_argument("--interval", type=float, default=0.5, help="seconds between polls")
    watching.set_defaults(func=watch)
    logging_ = subparsers.add_parser("logs", help="the Lambda logs of the running cloud (all, or one function's)")
    logging_.add_argument("function", nargs="?", default="", help="a fragment of the function's name")
    logging_.add_argument("-f", "--follow", action="store_true", help="keep printing new lines (Ctrl-C stops)")
    logging_.add_argument("--log-file", help="default: the cloud's at AWS_ENDPOINT_URL's port")
    logging_.set_defaults(func=lambda_logs)
    faulting = subparsers.add_parser("faults", help="fail or slow chosen AWS calls (add, list, clear)")
    faulting.add_argument("action", choices=("add", "list", "clear"))
    faulting.add_argument("--kind", help="aws (default), mqtt-drop, mqtt-delay, mqtt-disconnect, lambda-kill, "
                                         "lambda-timeout")
    faulting.add_argument("--service", help="IAM service prefix: states, dynamodb, sqs, lambda, ses, ...")
    faulting.add_argument("--operation", help="e.g. SendTaskSuccess, PutItem (default: every operation)")
    faulting.add_argument("--resource", help="a fragment of the resource's ARN (default: any)")
    faulting.add_argument("--error", help="the AWS error code, e.g. ThrottlingException, ServiceUnavailable")
    faulting.add_argument("--status", type=int, help="HTTP status of the error (default 400)")
    faulting.add_argument("--message")
    faulting.add_argument("--latency-ms", type=int, dest="latency_ms")
    faulting.add_argument("--topic", help="mqtt-drop, mqtt-delay: an MQTT topic filter, e.g. tenants/+/results")
    faulting.add_argument("--client-id", dest="client_id", help="mqtt-*: the MQTT client id (a tenant's thing name)")
    faulting.add_argument("--function", help="lambda-*: a fragment of the function's name")
    faulting.add_argument("--after-ms", type=int, dest="after_ms", help="lambda-*: how long the handler runs first")
    faulting.add_argument("--count", type=int, help="fail this many matching calls (default: all while it stands)")
    faulting.add_argument("--probability", type=float)
    faulting.add_argument("--id", help="with clear: only this rule")
    faulting.set_defaults(func=faults)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localcloud.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_subcommands(parser.add_subparsers(required=True, metavar="command"))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
