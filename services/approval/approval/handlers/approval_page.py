"""The page behind an email link. GET shows the request and one button; only the button's POST decides.

Both routes on one powertools APIGatewayRestResolver (lambda_shared.rest_api); each is its own function in
serverless.yml (its own role), and each function's handler resolves the event API Gateway sent it.
"""
import time

from approval import container, flows
from approval.logic import pages
from lambda_shared.http import form_body
from lambda_shared.observability import logger, metrics, tracer
from lambda_shared.rest_api import html_answer, resolver

app = resolver()


@app.get("/approvals/<approval_id>")
def open_page(approval_id: str):
    query = app.current_event.get_query_string_value
    action, sig = query("action", ""), query("sig", "")
    approval = flows.open_link(approval_id, action, sig, store=container.store, link_key=container.link_key())
    if approval.awaits_delivery:
        # Only the POST changes anything: its button delivers the decision recorded, whichever link this is.
        return html_answer(200, pages.deliver_page(approval, action, sig, form_action=approval_id))
    if approval.decision:
        return html_answer(200, pages.decided_page(approval, just_now=False))
    if approval.is_expired(int(time.time())):
        raise flows.expired(approval)
    # The form posts back to the page itself; relative, so it works behind any stage or local prefix.
    return html_answer(200, pages.confirm_page(approval, action, sig, form_action=approval_id))


@app.post("/approvals/<approval_id>")
def press_button(approval_id: str):
    form = form_body(app.current_event.raw_event)
    approval, just_now = flows.decide(approval_id, form.get("action", ""), form.get("sig", ""),
                                      store=container.store, link_key=container.link_key(),
                                      callbacks=container.callbacks, now=int(time.time()))
    return html_answer(200, pages.decided_page(approval, just_now=just_now))


@app.exception_handler(flows.LinkRejected)
def link_rejected(exc: flows.LinkRejected):
    return html_answer(exc.status, pages.error_page(exc.title, exc.message))


@app.exception_handler(flows.NotDeliveredYet)
def not_delivered_yet(exc: flows.NotDeliveredYet):
    return html_answer(503, pages.not_delivered_page(exc.approval), headers={"Retry-After": "30"})


# Opening a link decides nothing and counts nothing: no @metrics.log_metrics (it would publish an empty set).
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def show(event, context):
    return app.resolve(event, context)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def submit(event, context):
    return app.resolve(event, context)
