"""POST /jobs, GET /jobs/{jobId}, POST /jobs/{jobId}/cancel."""
from iot_callback import clock, container, flows
from iot_callback.logic.jobs import InvalidMessage
from lambda_shared import idempotency
from lambda_shared.http import BadRequest, error_response, json_body, json_response, path_param
from lambda_shared.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def start(event, context):
    """An Idempotency-Key makes a retried POST answer the job it started, instead of starting another."""
    try:
        started = container.job_requests.run(
            idempotency.idempotency_key(event), json_body(event), context,
            lambda body: flows.start_job(body, store=container.store, executions=container.executions,
                                         now=clock.now_iso(), now_epoch=clock.now_epoch()))
    except (BadRequest, InvalidMessage) as exc:
        return error_response(400, str(exc))
    except idempotency.Refused as exc:
        return exc.response()
    return json_response(202, started)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def get(event, context):
    try:
        return json_response(200, flows.job_status(path_param(event, "jobId"), store=container.store,
                                                   executions=container.executions))
    except flows.JobNotFound:
        return error_response(404, "no such job")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def cancel(event, context):
    try:
        answer = flows.cancel_job(path_param(event, "jobId"), store=container.store, executions=container.executions,
                                  publisher=container.publisher, now=clock.now_iso())
    except flows.JobNotFound:
        return error_response(404, "no such job")
    except flows.JobAlreadyOver as exc:
        return error_response(409, f"the job is already over ({exc.status})")
    except flows.DispatchFailed as exc:
        return error_response(503, str(exc))
    return json_response(202, answer)
