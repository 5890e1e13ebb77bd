"""Double task (lambda:invoke.waitForTaskToken): hand the sum and the task token to the third-party API.

The API answers later by callback; this function only has to deliver the request. Its errors are named so the
state machine retries ThirdPartyUnavailable and fails at once on ThirdPartyRejectedRequest.
"""
from lambda_shared import settings
from lambda_shared.observability import logger, metrics, tracer
from lambda_shared.tokens import token_fingerprint
from orchestrator.adapters.third_party import DoubleApi

double_api = DoubleApi(settings.required_url("DOUBLE_URL"))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context, api: DoubleApi = double_api):
    token = event["taskToken"]
    logger.info("requesting double", extra={"number": event["number"], "task": token_fingerprint(token)})
    api.request_double(event["number"], token)
    return {"requested": True}
