"""The page behind an email link. GET shows the request and one button; only the button's POST decides."""
import time

from approval import container, flows
from approval.logic import pages
from lambda_shared.http import form_body, html_response, path_param, query_param
from lambda_shared.observability import logger, metrics, tracer


def _rejected(exc: flows.LinkRejected) -> dict:
    return html_response(exc.status, pages.error_page(exc.title, exc.message))


# Opening a link decides nothing and counts nothing: no @metrics.log_metrics (it would publish an empty set).
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def show(event, context):
    approval_id = path_param(event, "approvalId")
    action, sig = query_param(event, "action"), query_param(event, "sig")
    try:
        approval = flows.open_link(approval_id, action, sig, store=container.store, link_key=container.link_key())
    except flows.LinkRejected as exc:
        return _rejected(exc)
    if approval.awaits_delivery:
        # Only the POST changes anything: its button delivers the decision recorded, whichever link this is.
        return html_response(200, pages.deliver_page(approval, action, sig, form_action=approval_id))
    if approval.decision:
        return html_response(200, pages.decided_page(approval, just_now=False))
    if approval.is_expired(int(time.time())):
        return _rejected(flows.expired(approval))
    # The form posts back to the page itself; relative, so it works behind any stage or local prefix.
    return html_response(200, pages.confirm_page(approval, action, sig, form_action=approval_id))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def submit(event, context):
    approval_id = path_param(event, "approvalId")
    form = form_body(event)
    try:
        approval, just_now = flows.decide(approval_id, form.get("action", ""), form.get("sig", ""),
                                          store=container.store, link_key=container.link_key(),
                                          callbacks=container.callbacks, now=int(time.time()))
    except flows.LinkRejected as exc:
        return _rejected(exc)
    except flows.NotDeliveredYet as exc:
        page = html_response(503, pages.not_delivered_page(exc.approval))
        page["headers"]["Retry-After"] = "30"
        return page
    return html_response(200, pages.decided_page(approval, just_now=just_now))

