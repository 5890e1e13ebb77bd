"""A job for an on-premises worker, as plain values: the messages on its topics and the status a caller sees.

Topics of a tenant (the IoT policy and the local broker's ACL grant exactly these):
    tenants/<tenant>/jobs       cloud -> worker   {jobId, input, taskToken, heartbeatSeconds}
    tenants/<tenant>/control    cloud -> worker   {jobId, action: "cancel"}
    tenants/<tenant>/results    worker -> cloud   {jobId, status: succeeded|failed|cancelled, result | error{type, message}}
    tenants/<tenant>/heartbeat  worker -> cloud   {jobId}
    tenants/<tenant>/progress   worker -> cloud   {jobId, seq, percent, message}

Progress and results travel on different topics, through different rules and asynchronous invocations: nothing
orders them, on AWS either. So a job record never goes backwards: each progress message carries the worker's
per-job sequence number `seq` and only a newer one replaces what is stored; a result ends the progress (a succeeded
job shows 100%, a failed or cancelled one the last progress that arrived before its result), and progress arriving
after the result is ignored.
"""
import re
import uuid
from dataclasses import dataclass
from typing import Any

_TENANT = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SUCCEEDED, FAILED, CANCELLED = "succeeded", "failed", "cancelled"
REPORTED_STATUSES = (SUCCEEDED, FAILED, CANCELLED)
REPORT_REFUSED = "ReportRefused"
MAX_MESSAGE = 500


class InvalidMessage(ValueError):
    """A message we refuse; the text is safe to log (it never holds a task token)."""


def check_tenant(tenant: Any) -> str:
    # No "/", "+" or "#": a tenant is exactly one topic level.
    if not isinstance(tenant, str) or not _TENANT.match(tenant):
        raise InvalidMessage("tenant must be 1-64 letters, digits, '-' or '_'")
    return tenant


def check_job_id(job_id: Any) -> str:
    if not isinstance(job_id, str) or not 1 <= len(job_id) <= 80:
        raise InvalidMessage("jobId must be a string of 1-80 characters")
    return job_id


def new_job_id() -> str:
    return str(uuid.uuid4())


def topic(tenant: str, channel: str) -> str:
    return f"tenants/{check_tenant(tenant)}/{channel}"


def job_message(job_id: str, job_input: Any, task_token: str, heartbeat_seconds: int) -> dict:
    # heartbeatSeconds travels with the job: the worker heartbeats well within the state machine's HeartbeatSeconds.
    return {"jobId": job_id, "input": job_input, "taskToken": task_token, "heartbeatSeconds": heartbeat_seconds}


def cancel_message(job_id: str) -> dict:
    return {"jobId": job_id, "action": "cancel"}


@dataclass(frozen=True)
class Report:
    """A worker's final word on a job, from tenants/<tenant>/results."""
    job_id: str
    tenant: str
    status: str
    result: Any = None
    error_type: str = ""
    error_message: str = ""

    @classmethod
    def from_event(cls, event: dict) -> "Report":
        status = event.get("status")
        if status not in REPORTED_STATUSES:
            raise InvalidMessage(f"status must be one of {', '.join(REPORTED_STATUSES)}")
        error = event.get("error") or {}
        if not isinstance(error, dict):
            raise InvalidMessage("error must be an object {type, message}")
        if status == SUCCEEDED and "result" not in event:
            raise InvalidMessage("a succeeded report must carry a result")
        return cls(
            job_id=check_job_id(event.get("jobId")),
            tenant=check_tenant(event.get("fromTenant")),
            status=status,
            result=event.get("result"),
            error_type=str(error.get("type") or ("Cancelled" if status == CANCELLED else "UnknownWorkerError"))[:128],
            error_message=str(error.get("message") or "")[:4000],
        )

    @classmethod
    def refused(cls, event: dict, reason: InvalidMessage) -> "Report | None":
        """A report the cloud cannot take (a wrong status, no result...) as the job's failure, so the job says why it
        ended instead of waiting for a heartbeat timeout that blames the worker for never picking it up. None when
        the message does not even name a job and a tenant."""
        try:
            job_id, tenant = check_job_id(event.get("jobId")), check_tenant(event.get("fromTenant"))
        except InvalidMessage:
            return None
        return cls(job_id=job_id, tenant=tenant, status=FAILED, error_type=REPORT_REFUSED,
                   error_message=f"the worker's result was refused: {reason}")

    def task_failure(self) -> tuple[str, str]:
        """(error, cause) for SendTaskFailure: the state machine matches on the error, a person reads the cause."""
        if self.status == CANCELLED:
            return "Cancelled", f"job {self.job_id} was cancelled on request; the worker stopped it"
        return "WorkerFailed", f"{self.error_type}: {self.error_message}" if self.error_message else self.error_type

    def task_output(self) -> dict:
        return {"jobId": self.job_id, "result": self.result}


@dataclass(frozen=True)
class Progress:
    job_id: str
    tenant: str
    seq: int              # the worker's own count of this job's progress messages: 1, 2, 3...
    percent: float
    message: str

    @classmethod
    def from_event(cls, event: dict) -> "Progress":
        percent = event.get("percent")
        if isinstance(percent, bool) or not isinstance(percent, (int, float)) or not 0 <= percent <= 100:
            raise InvalidMessage("percent must be a number from 0 to 100")
        seq = event.get("seq")
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
            raise InvalidMessage("seq must be a positive integer (the worker's count of this job's progress)")
        message = event.get("message", "")
        if not isinstance(message, str):
            raise InvalidMessage("message must be a string")
        return cls(check_job_id(event.get("jobId")), check_tenant(event.get("fromTenant")), seq, percent,
                   message[:MAX_MESSAGE])


# What a succeeded job's progress becomes, whichever of its progress messages arrived last.
FINAL_PROGRESS = (100, "done")


@dataclass(frozen=True)
class Job:
    """The job record: what was asked, of whom, and what the worker said so far."""
    job_id: str
    tenant: str
    input: Any
    status: str                       # submitted | dispatched | running | succeeded | failed | cancelled
    execution_arn: str = ""
    task_token: str = ""
    created_at: str = ""
    progress: dict | None = None      # {percent, message, at}
    result: Any = None
    error: dict | None = None         # {type, message}
    cancel_requested_at: str | None = None
    delivered_at: str | None = None   # when Step Functions took the final report (SendTask* succeeded)

    @property
    def reported(self) -> bool:
        return self.status in REPORTED_STATUSES

    def recorded_report(self) -> "Report":
        """The final report as it was recorded (claim_report), to deliver it again."""
        error = self.error or {}
        return Report(job_id=self.job_id, tenant=self.tenant, status=self.status, result=self.result,
                      error_type=error.get("type", ""), error_message=error.get("message", ""))


# Execution statuses that end a job whatever the worker said (or did not say).
_EXECUTION_END = {"SUCCEEDED": SUCCEEDED, "TIMED_OUT": "timed-out", "ABORTED": "aborted"}


def public_view(job: Job, execution: dict | None) -> dict:
    """GET /jobs/{jobId}: the record, with the execution's verdict when it has ended (timeouts, lost workers)."""
    status, error = job.status, job.error
    if execution and execution.get("status") not in (None, "RUNNING"):
        if execution["status"] == "FAILED":
            error_name = execution.get("error", "")
            status = CANCELLED if error_name == "Cancelled" else FAILED
            error = {"type": error_name, "message": execution.get("cause", "")}
        else:
            status = _EXECUTION_END.get(execution["status"], execution["status"].lower())
    view = {
        "jobId": job.job_id,
        "tenant": job.tenant,
        "status": status,
        "input": job.input,
        "progress": job.progress,
        "executionArn": job.execution_arn,
        "createdAt": job.created_at,
    }
    if status == SUCCEEDED:
        view["result"] = job.result
    if error and status != SUCCEEDED:
        view["error"] = error
    if job.cancel_requested_at:
        view["cancelRequestedAt"] = job.cancel_requested_at
    return view
