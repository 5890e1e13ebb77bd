"""The same decision for programs: JSON in, JSON out, authorised by the signature of the emailed link.

Both routes on one powertools APIGatewayRestResolver (lambda_shared.rest_api); each is its own function in
serverless.yml (its own role), and each function's handler resolves the event API Gateway sent it. Every refusal
answers {"message": ...}.
"""
import time

from approval import container, flows
from approval.logic import links
from approval.logic.approvals import decision_for
from lambda_shared.http import BadRequest, json_body
from lambda_shared.observability import logger, metrics, tracer
from lambda_shared.rest_api import error_answer, json_answer, resolver

app = resolver()


@app.get("/api/approvals/<approval_id>")
def read_status(approval_id: str):
    """GET /api/approvals/{approvalId}?action=approve&sig=...: any valid link signature may read the status."""
    query = app.current_event.get_query_string_value
    approval = flows.open_link(approval_id, query("action", ""), query("sig", ""), store=container.store,
                               link_key=container.link_key())
    return json_answer(200, flows.status(approval, int(time.time())))


@app.post("/api/approvals/<approval_id>/decision")
def decide(approval_id: str):
    """POST /api/approvals/{approvalId}/decision {"action": "approve"|"reject", "sig": "..."}."""
    body = json_body(app.current_event.raw_event)
    action, sig = body.get("action"), body.get("sig")
    if action not in links.ACTIONS:
        raise BadRequest("action must be \"approve\" or \"reject\"")
    if not isinstance(sig, str) or not sig:
        raise BadRequest("sig (the signature from the emailed link) is required")
    approval, just_now = flows.decide(approval_id, action, sig, store=container.store, link_key=container.link_key(),
                                      callbacks=container.callbacks, now=int(time.time()))
    result = flows.status(approval, int(time.time()))
    if not just_now and approval.decision != decision_for(action):
        # Asked for the opposite of what was recorded: say so, change nothing.
        return error_answer(409, f"this request was already {approval.decision}", result)
    return json_answer(200, result)


@app.exception_handler(flows.LinkRejected)
def link_rejected(exc: flows.LinkRejected):
    return error_answer(exc.status, exc.message)


@app.exception_handler(flows.NotDeliveredYet)
def not_delivered_yet(exc: flows.NotDeliveredYet):
    return error_answer(503, f"the decision is recorded ({exc.approval.decision}) but the workflow could not be "
                             f"told yet ({exc.reason}): post again to deliver it",
                        flows.status(exc.approval, int(time.time())), headers={"Retry-After": "30"})


# Reading changes nothing and counts nothing: no @metrics.log_metrics (it would publish an empty set).
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def get_status(event, context):
    return app.resolve(event, context)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def post_decision(event, context):
    return app.resolve(event, context)
