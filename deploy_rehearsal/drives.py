"""The workflows driven on the deployed stacks through their public surfaces (API Gateway URLs from the recorded
outputs, the AWS API, the SES mailbox), as far as the emulator allows: see gaps.py for what it does not."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlparse

import requests

from deploy_rehearsal.emulator import emulator_environment
from deploy_rehearsal.ministack_adapter import emulator_api_url
from deploy_rehearsal.workspace import STAGE, recorded_outputs

if TYPE_CHECKING:
    from deploy_rehearsal.rehearsal import Rehearsal

_LINK = re.compile(r'https?://[^\s"<>\\]+\?action=(approve|reject)&(?:amp;)?sig=[A-Za-z0-9_.~%-]+')


class DriveFailed(AssertionError):
    pass


def url(r: Rehearsal, aws_url: str) -> str:
    """api-urls: an AWS-shaped URL from the stack's outputs, in the form the emulator serves it."""
    return emulator_api_url(aws_url, urlparse(r.endpoint).port)


def output(r: Rehearsal, service: str, key: str) -> str:
    return recorded_outputs(r.workspace)[service][key]


def start(r: Rehearsal, route: str, state_machine_arn: str, body: dict) -> tuple[str, str]:
    """POST the route as a user would; where the emulator does not start the execution from it
    (start-execution-integration), StartExecution with the body, as the plugin's request template passes it."""
    answer = requests.post(url(r, route), json=body, timeout=30)
    try:
        return answer.json()["executionArn"], f"the route started it ({answer.status_code})"
    except (ValueError, KeyError, TypeError):
        arn = r.client("stepfunctions").start_execution(stateMachineArn=state_machine_arn,
                                                        input=json.dumps(body))["executionArn"]
        return arn, f"the route answered {answer.status_code} without an execution: StartExecution instead"


def finished(r: Rehearsal, arn: str, timeout: float = 60) -> dict:
    sfn = r.client("stepfunctions")
    deadline = time.monotonic() + timeout
    while True:
        execution = sfn.describe_execution(executionArn=arn)
        if execution["status"] != "RUNNING":
            return execution
        if time.monotonic() > deadline:
            raise DriveFailed(f"{arn} still RUNNING after {timeout} s")
        time.sleep(0.5)


def states_entered(r: Rehearsal, arn: str) -> list[str]:
    events = r.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


def approval_links(r: Rehearsal, execution_arn: str, timeout: float = 60) -> dict[str, str]:
    """The Approve and Reject links of the email sent for this execution, from the emulator's SES mailbox."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        by_account = requests.get(f"{r.endpoint}/_ministack/ses/messages", timeout=10).json()["messages"]
        for message in [m for messages in by_account.values() for m in messages]:
            text = message.get("BodyText") or ""
            if execution_arn in text:
                return {m.group(1): m.group(0).replace("&amp;", "&") for m in _LINK.finditer(text)}
        status = r.client("stepfunctions").describe_execution(executionArn=execution_arn)["status"]
        if status != "RUNNING":
            raise DriveFailed(f"{execution_arn} ended {status} before its approval email")
        time.sleep(0.5)
    raise DriveFailed(f"no approval email for {execution_arn} within {timeout} s")


def press_button(r: Rehearsal, link: str) -> requests.Response:
    """What an approver does: open the emailed link (a page, deciding nothing), then press its one button."""
    page = requests.get(url(r, link), timeout=30)
    if page.status_code != 200:
        raise DriveFailed(f"the approval page answered {page.status_code}: {page.text[:300]}")
    query = parse_qs(urlparse(link).query)
    return requests.post(url(r, link).split("?")[0], data={"action": query["action"][0], "sig": query["sig"][0]},
                         timeout=30)


def _approval_run(r: Rehearsal, action: str) -> tuple[str, dict, str]:
    arn, how = start(r, output(r, "orchestrator", "CalculateUrl"), output(r, "orchestrator", "ApprovalWorkflowArn"),
                     {"x": 125, "y": 122})
    links = approval_links(r, arn)
    pressed = press_button(r, links[action])
    if pressed.status_code != 200:
        raise DriveFailed(f"pressing {action} answered {pressed.status_code}: {pressed.text[:300]}")
    return arn, finished(r, arn), how


def approval_approved(r: Rehearsal) -> str:
    arn, execution, how = _approval_run(r, "approve")
    result = json.loads(execution.get("output") or "{}")
    if execution["status"] != "SUCCEEDED" or result.get("doubled") != 494 or result.get("decision") != "approved":
        raise DriveFailed(f"{execution['status']} {execution.get('error')} {execution.get('cause')} {result}")
    return f"{how}; doubled by the third-party API's callback, approved from the email's page: SUCCEEDED {result}"


def approval_rejected(r: Rehearsal) -> str:
    arn, execution, how = _approval_run(r, "reject")
    if execution["status"] != "FAILED" or execution.get("error") != "Rejected":
        raise DriveFailed(f"{execution['status']} {execution.get('error')} {execution.get('cause')}")
    return f"{how}; rejected from the email's page: FAILED with Rejected"


def double_refused(r: Rehearsal) -> str:
    arn, how = start(r, output(r, "orchestrator", "CalculateUrl"), output(r, "orchestrator", "ApprovalWorkflowArn"),
                     {"x": 250, "y": 250})
    execution = finished(r, arn)
    if execution["status"] != "FAILED" or execution.get("error") != "NumberIsTooBig" \
            or "NumberTooBigToDouble" not in states_entered(r, arn):
        raise DriveFailed(f"{execution['status']} {execution.get('error')} {states_entered(r, arn)}")
    return f"{how}; a sum of 500 ended FAILED with NumberIsTooBig, through NumberTooBigToDouble"


DRIVES = [
    ("approval workflow: approved from its email", approval_approved),
    ("approval workflow: rejected from its email", approval_rejected),
    ("approval workflow: a double of 500 refused as NumberIsTooBig", double_refused),
]


def _db_instance(r: Rehearsal, name: str) -> str:
    rds = r.client("rds")
    try:
        rds.describe_db_instances(DBInstanceIdentifier=name)
    except rds.exceptions.DBInstanceNotFoundFault:
        rds.create_db_instance(DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres",
                               MasterUsername="admin1", MasterUserPassword="rehearsal-only-1", AllocatedStorage=20)
    return name


_SNAPSHOT_ROUTES = {"poller (growing wait)": ("", "SnapshotPollerArn"),
                    "fixed poller": ("/fixed-poll", "SnapshotFixedPollerArn"),
                    "event-driven": ("/event-driven", "SnapshotEventDrivenArn")}


def rds_snapshots(r: Rehearsal) -> str:
    db = _db_instance(r, "rehearsal-db")
    runs = {variant: start(r, output(r, "rds-snapshot", "SnapshotsUrl") + path, output(r, "rds-snapshot", key),
                           {"dbInstanceIdentifier": db})[0]
            for variant, (path, key) in _SNAPSHOT_ROUTES.items()}
    missing = start(r, output(r, "rds-snapshot", "SnapshotsUrl"), output(r, "rds-snapshot", "SnapshotPollerArn"),
                    {"dbInstanceIdentifier": "no-such-db"})[0]
    ended = {variant: finished(r, arn, timeout=90) for variant, arn in runs.items()}
    not_found = finished(r, missing)
    wrong = {v: f"{e['status']} {e.get('error')} {e.get('cause')}" for v, e in ended.items() if e["status"] != "SUCCEEDED"}
    if not_found["status"] != "FAILED" or not_found.get("error") != "DBInstanceNotFound":
        wrong["missing instance"] = f"{not_found["status"]} {not_found.get("error")} {not_found.get("cause")}"
    if wrong:
        raise DriveFailed("; ".join(f"{v}: {w}" for v, w in wrong.items()))
    return (f"a snapshot of {db} SUCCEEDED three ways ({', '.join(ended)}); a missing instance ended FAILED with "
            f"DBInstanceNotFound")


def sqs_order(r: Rehearsal) -> str:
    arn, how = start(r, output(r, "queue-callback", "ServiceEndpoint") + "/orders",
                     output(r, "queue-callback", "OrderCallbackArn"), {"item": "coffee", "quantity": 2})
    execution = finished(r, arn)
    if execution["status"] != "SUCCEEDED":
        raise DriveFailed(f"{execution['status']} {execution.get('error')} {execution.get('cause')} "
                          f"{states_entered(r, arn)}")
    return f"{how}; the order went through the queue to its consumer and back by callback: SUCCEEDED"


def iot_job_dispatched(r: Rehearsal) -> str:
    answer = requests.post(url(r, output(r, "iot-callback", "JobsUrl")),
                           json={"tenant": "rehearsal", "input": {"a": 15, "b": 42}}, timeout=30)
    if answer.status_code not in (200, 201, 202):
        raise DriveFailed(f"POST /jobs answered {answer.status_code}: {answer.text[:300]}")
    job = answer.json()
    deadline = time.monotonic() + 30
    while "Dispatch" not in states_entered(r, job["executionArn"]):
        if time.monotonic() > deadline:
            raise DriveFailed(f"the job never reached Dispatch: {states_entered(r, job['executionArn'])}")
        time.sleep(0.5)
    record = requests.get(url(r, output(r, "iot-callback", "JobsUrl")) + f"/{job['jobId']}", timeout=30)
    r.client("stepfunctions").stop_execution(executionArn=job["executionArn"], cause="rehearsal: no MQTT worker")
    if record.status_code != 200:
        raise DriveFailed(f"GET /jobs/{{id}} answered {record.status_code}: {record.text[:300]}")
    return (f"POST /jobs started job {job['jobId']}, its execution reached Dispatch and GET /jobs/{{id}} answered "
            f"{record.json().get('status')!r}; no worker over MQTT (iot-mqtt-listener): stopped there")


def activity_order(r: Rehearsal) -> str:
    """An order prepared by `make activity-worker`'s program (python -m workers.activity), polling the emulator."""
    arn, how = start(r, output(r, "queue-callback", "ServiceEndpoint") + "/orders/activity",
                     output(r, "queue-callback", "OrderActivityWorkflowArn"), {"item": "tea", "quantity": 1})
    worker = subprocess.run([sys.executable, "-m", "workers.activity", "--stage", STAGE, "--once",
                             "--endpoint", r.endpoint], cwd=r.workspace, env=emulator_environment(r.endpoint),
                            capture_output=True, text=True, timeout=120)
    execution = finished(r, arn)
    if worker.returncode != 0 or execution["status"] != "SUCCEEDED":
        raise DriveFailed(f"worker exited {worker.returncode} ({worker.stderr[-500:]}); execution "
                          f"{execution['status']} {execution.get('error')} {execution.get('cause')}")
    return f"{how}; one task taken by the activity worker (GetActivityTask) and answered: SUCCEEDED"


DRIVES += [
    ("RDS snapshot: the three variants and a missing instance", rds_snapshots),
    ("SQS callback: an order through the queue", sqs_order),
    ("activity: an order prepared by the activity worker", activity_order),
    ("on-premises job: started through its API and dispatched", iot_job_dispatched),
]
