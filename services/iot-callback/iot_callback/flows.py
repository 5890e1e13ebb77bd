"""What the iot-callback service does, one function per use case.

Each flow takes its adapters as arguments, so tests hand it fakes or moto-backed ones; handlers pass the
module-level adapters built once per container.
"""
from botocore.exceptions import BotoCoreError, ClientError

from iot_callback.adapters.store import AlreadyReported, NotTheTenantsJob
from iot_callback.logic import jobs
from iot_callback.logic.jobs import InvalidMessage, Job, Progress, Report
from lambda_shared.observability import logger
from lambda_shared.task_errors import error_code, task_gone



class DispatchFailed(Exception):
    """Raised to Step Functions: the Dispatch task fails now with the cause, instead of waiting for nobody."""


class JobNotFound(Exception):
    pass


class JobAlreadyOver(Exception):
    def __init__(self, status: str):
        super().__init__(status)
        self.status = status


# --- the API -------------------------------------------------------------------------------------------------------
def start_job(body: dict, *, store, executions, now: str, now_epoch: int) -> dict:
    tenant = jobs.check_tenant(body.get("tenant"))
    job_input = body.get("input")
    if not isinstance(job_input, dict):
        raise InvalidMessage("input must be a JSON object")
    job = Job(job_id=jobs.new_job_id(), tenant=tenant, input=job_input, status="submitted", created_at=now)
    # The record first: the execution's Dispatch may run before StartExecution even returns.
    store.add(job, now_epoch)
    execution_arn = executions.start(job.job_id, {"jobId": job.job_id, "tenant": tenant, "input": job_input})
    store.set_execution(job.job_id, execution_arn)
    logger.info("job started", extra={"jobId": job.job_id, "tenant": tenant})
    return {"jobId": job.job_id, "executionArn": execution_arn, "status": "submitted"}


def job_status(job_id: str, *, store, executions) -> dict:
    job = store.get(job_id)
    if job is None:
        raise JobNotFound(job_id)
    return jobs.public_view(job, executions.describe(job.execution_arn))


def cancel_job(job_id: str, *, store, executions, publisher, now: str) -> dict:
    """Ask the tenant's worker to stop the job; the worker's "cancelled" report ends the execution as Cancelled."""
    view = job_status(job_id, store=store, executions=executions)
    if view["status"] not in ("submitted", "dispatched", "running"):
        raise JobAlreadyOver(view["status"])
    try:
        publisher.publish(jobs.topic(view["tenant"], "control"), jobs.cancel_message(job_id))
    except (ClientError, BotoCoreError) as exc:
        raise DispatchFailed(f"could not reach tenant {view['tenant']}: {exc}") from None
    store.cancel_requested(job_id, now)
    logger.info("job cancel requested", extra={"jobId": job_id, "tenant": view["tenant"]})
    return {"jobId": job_id, "status": "cancelling"}


# --- the Dispatch task ---------------------------------------------------------------------------------------------
def dispatch(payload: dict, *, store, publisher, heartbeat_seconds: int, now: str, now_epoch: int) -> dict:
    """Invoked by the state machine with a task token: record it, then publish the job QoS 1 to the tenant."""
    task_token = payload.get("taskToken")
    if not isinstance(task_token, str) or not task_token:
        raise ValueError("a task token is required")
    job_id = jobs.check_job_id(payload.get("jobId"))
    tenant = jobs.check_tenant(payload.get("tenant"))
    job_input = payload.get("input")
    store.dispatched(job_id, tenant, job_input, task_token, payload.get("executionArn", ""), now, now_epoch)
    topic = jobs.topic(tenant, "jobs")
    try:
        publisher.publish(topic, jobs.job_message(job_id, job_input, task_token, heartbeat_seconds))
    except ClientError as exc:
        error = exc.response["Error"]
        raise DispatchFailed(f"could not publish job {job_id} to {topic}: "
                             f"{error.get('Code')}: {error.get('Message')}") from None
    except BotoCoreError as exc:
        raise DispatchFailed(f"could not publish job {job_id} to {topic}: {exc}") from None
    logger.info("job dispatched", extra={"jobId": job_id, "tenant": tenant})
    return {"jobId": job_id, "topic": topic}


# --- the worker's reports (IoT topic rules) ------------------------------------------------------------------------
def report_result(event: dict, *, store, callbacks, now: str) -> str:
    """tenants/<tenant>/results -> SendTaskSuccess / SendTaskFailure, once per job whatever arrives twice."""
    refused = claimed_here = False
    try:
        report = Report.from_event(event)
    except InvalidMessage as exc:
        logger.warning("result refused", extra={"reason": str(exc), "jobId": event.get("jobId"),
                                                "tenant": event.get("fromTenant")})
        # Recorded on the job, and the task failed with the reason: the worker considers the job over.
        report = Report.refused(event, exc)
        if report is None:
            return "refused"
        refused = True
    try:
        job = store.get_for_tenant(report.job_id, report.tenant)
        store.claim_report(report, now)
        claimed_here = True
    except NotTheTenantsJob:
        logger.warning("result for an unknown job", extra={"jobId": event.get("jobId"),
                                                            "tenant": event.get("fromTenant")})
        return "unknown-job"
    except AlreadyReported:
        logger.info("duplicate result ignored", extra={"jobId": report.job_id})
        job = store.get(report.job_id)
        if job is None or job.delivered_at or not job.reported:
            return "duplicate"
        # The invocation that recorded the first report died before Step Functions heard it (killed, timed out
        # mid-callback): that first report, not this one, is delivered now.
        logger.warning("recorded result not delivered yet: delivering it", extra={"jobId": report.job_id})
        report = job.recorded_report()
    try:
        if report.status == jobs.SUCCEEDED:
            callbacks.succeed(job.task_token, report.task_output())
        else:
            callbacks.fail(job.task_token, *report.task_failure())
    except ClientError as exc:
        # The job ended already (a duplicated or late report): nothing to do, and nothing to retry.
        if task_gone(exc):
            logger.info("result arrived after the task ended", extra={"jobId": report.job_id,
                                                                      "error": error_code(exc)})
            return "task-over"
        # Throttled or unavailable beyond the client's retries: let the message be retried, with the claim undone
        # (only our own: another invocation's claim may be on its way to Step Functions).
        if claimed_here:
            store.release_report(report.job_id)
        raise
    except BotoCoreError:
        # The network, not Step Functions, failed (a timeout, a reset): the same, or the claim would stay taken and
        # the retried message would be dropped as a duplicate while the task waits for its timeout.
        if claimed_here:
            store.release_report(report.job_id)
        raise
    store.mark_delivered(report.job_id, now)
    logger.info("job reported", extra={"jobId": report.job_id, "status": report.status})
    return "refused" if refused else report.status


def report_heartbeat(event: dict, *, store, callbacks) -> str:
    try:
        job = store.get_for_tenant(jobs.check_job_id(event.get("jobId")), jobs.check_tenant(event.get("fromTenant")))
    except (InvalidMessage, NotTheTenantsJob):
        logger.warning("heartbeat for an unknown job", extra={"jobId": event.get("jobId"),
                                                               "tenant": event.get("fromTenant")})
        return "unknown-job"
    if job.reported or not job.task_token:
        return "ignored"
    try:
        callbacks.heartbeat(job.task_token)
    except ClientError as exc:
        if task_gone(exc):
            return "task-over"
        raise
    return "sent"


def report_progress(event: dict, *, store, now: str) -> str:
    try:
        progress = Progress.from_event(event)
    except InvalidMessage as exc:
        logger.warning("progress refused", extra={"reason": str(exc), "tenant": event.get("fromTenant")})
        return "refused"
    if store.record_progress(progress, now):
        return "stored"
    # Late (after the result) or overtaken by a newer message: what is stored stays.
    logger.info("progress ignored", extra={"jobId": progress.job_id, "seq": progress.seq})
    return "ignored"
