"""Approval task of the workflow (lambda:invoke.waitForTaskToken): store the request, email the approver."""
import time

from approval import container, flows
from lambda_shared.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    return flows.request_approval(
        event,
        store=container.store,
        mailer=container.mailer,
        link_key=container.link_key(),
        base_url=container.BASE_URL,
        approver=container.APPROVER_EMAIL,
        now=int(time.time()),
    )
