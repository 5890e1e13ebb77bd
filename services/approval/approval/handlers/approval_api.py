"""The same decision for programs: JSON in, JSON out, authorised by the signature of the emailed link."""
import time

from aws_lambda_powertools.metrics import MetricUnit

from approval import container, flows
from approval.logic import links
from approval.logic.approvals import decision_for
from lambda_shared.http import BadRequest, error_response, json_body, json_response, path_param, query_param
from lambda_shared.observability import logger, metrics, tracer


# Reading changes nothing and counts nothing: no @metrics.log_metrics (it would publish an empty set).
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def get_status(event, context):
    """GET /api/approvals/{approvalId}?action=approve&sig=...: any valid link signature may read the status."""
    try:
        approval = flows.open_link(path_param(event, "approvalId"), query_param(event, "action"),
                                   query_param(event, "sig"), store=container.store, link_key=container.link_key())
    except flows.LinkRejected as exc:
        return error_response(exc.status, exc.message)
    return json_response(200, flows.status(approval, int(time.time())))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def post_decision(event, context):
    """POST /api/approvals/{approvalId}/decision {"action": "approve"|"reject", "sig": "..."}."""
    try:
        body = json_body(event)
        action, sig = body.get("action"), body.get("sig")
        if action not in links.ACTIONS:
            raise BadRequest("action must be \"approve\" or \"reject\"")
        if not isinstance(sig, str) or not sig:
            raise BadRequest("sig (the signature from the emailed link) is required")
        approval, just_now = flows.decide(path_param(event, "approvalId"), action, sig, store=container.store,
                                          link_key=container.link_key(), callbacks=container.callbacks,
                                          now=int(time.time()))
    except BadRequest as exc:
        metrics.add_metric(name="BadDecisionRequests", unit=MetricUnit.Count, value=1)
        return error_response(400, str(exc))
    except flows.LinkRejected as exc:
        return error_response(exc.status, exc.message)
    except flows.NotDeliveredYet as exc:
        response = error_response(503, f"the decision is recorded ({exc.approval.decision}) but the workflow could "
                                       f"not be told yet ({exc.reason}): post again to deliver it",
                                  flows.status(exc.approval, int(time.time())))
        response["headers"]["Retry-After"] = "30"
        return response
    result = flows.status(approval, int(time.time()))
    if not just_now and approval.decision != decision_for(action):
        # Asked for the opposite of what was recorded: say so, change nothing.
        return error_response(409, f"this request was already {approval.decision}", result)
    return json_response(200, result)
