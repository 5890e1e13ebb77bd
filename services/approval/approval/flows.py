"""What the approval service does, one function per use case.

Each flow takes its adapters as arguments, so tests hand it fakes or moto-backed ones; handlers pass the
module-level adapters built once per container.
"""
from dataclasses import replace

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError

from approval.adapters.store import AlreadyDecided
from approval.logic import links
from approval.logic.approvals import (APPROVED, ApprovalRequest, PendingApproval, decision_for,
                                      new_pending_approval, waiting_since)
from approval.logic.emails import approval_email
from lambda_shared.observability import logger, metrics
from lambda_shared.task_errors import error_code, task_gone


class EmailNotSent(Exception):
    """Raised to Step Functions: the Approval task fails at once with the cause instead of waiting for nobody."""


class NotDeliveredYet(Exception):
    """The decision is recorded but Step Functions could not be told (throttled, a 5xx, the network): the next click
    on either link tries again with the recorded decision. Nothing is lost, nothing is decided twice."""

    def __init__(self, approval: PendingApproval, reason: str):
        super().__init__(reason)
        self.approval, self.reason = approval, reason


class LinkRejected(Exception):
    def __init__(self, status: int, title: str, message: str):
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def request_approval(payload: dict, *, store, mailer, link_key: bytes, base_url: str, approver: str,
                     now: int) -> dict:
    """Invoked by the state machine with a task token: store the pending approval, email the approver."""
    try:
        request = ApprovalRequest.from_payload(payload.get("request") or {})
        approval = new_pending_approval(
            task_token=payload.get("taskToken", ""),
            execution_arn=payload.get("executionArn", ""),
            request=request,
            now=now,
            timeout_seconds=int(payload.get("timeoutSeconds", 0)),
            waiting_since=waiting_since(payload.get("stateEnteredTime"), now),
        )
    except (TypeError, ValueError) as exc:
        _count("ApprovalRequestsInvalid")
        raise ValueError(f"invalid approval request: {exc}") from None
    store.add(approval)
    email = approval_email(
        approval,
        approve_url=links.decision_link(base_url, link_key, approval.approval_id, "approve"),
        reject_url=links.decision_link(base_url, link_key, approval.approval_id, "reject"),
    )
    try:
        message_id = mailer.send(approver, email)
    except ClientError as exc:
        error = exc.response["Error"]
        _count("ApprovalEmailsFailed")
        raise EmailNotSent(f"could not email {approver}: {error.get('Code')}: {error.get('Message')}") from None
    logger.info("approval requested", extra={"approvalId": approval.approval_id, "messageId": message_id})
    _count("ApprovalsRequested")
    return {"approvalId": approval.approval_id, "expiresAt": approval.expires_at}


def open_link(approval_id: str, action: str, sig: str, *, store, link_key: bytes) -> PendingApproval:
    """Check a link before anything is read or shown: a forged link learns nothing, not even whether the id exists."""
    if action not in links.ACTIONS:
        raise LinkRejected(400, "Invalid link", "This link names no valid action (approve or reject).")
    if not links.is_valid(link_key, approval_id, action, sig):
        raise LinkRejected(403, "Invalid link", "This link is not valid: it may have been altered.")
    approval = store.get(approval_id)
    if approval is None:
        raise LinkRejected(404, "Unknown request", "There is no such approval request (it may have been removed).")
    return approval


def expired(approval: PendingApproval) -> LinkRejected:
    return LinkRejected(410, "Request expired",
                        "This request expired before anyone decided; the workflow has stopped waiting for it.")


def decide(approval_id: str, action: str, sig: str, *, store, link_key: bytes, callbacks,
           now: int) -> tuple[PendingApproval, bool]:
    """Record a decision once and resume the workflow. Returns the approval and whether this call decided it."""
    try:
        approval = open_link(approval_id, action, sig, store=store, link_key=link_key)
    except LinkRejected:
        _count("ApprovalLinksRefused")
        raise
    if approval.awaits_delivery:
        return deliver(approval, store=store, callbacks=callbacks, now=now), False
    if approval.decision:
        _count("ApprovalDecisionsRepeated")
        return approval, False
    if approval.is_expired(now):
        _count("ApprovalsExpired")
        raise expired(approval)
    decision = decision_for(action)
    try:
        store.record_decision(approval_id, decision, now)
    except AlreadyDecided:
        latest = store.get(approval_id)
        if latest and latest.decision:
            _count("ApprovalDecisionsRepeated")
            return latest, False
        _count("ApprovalsExpired")
        raise expired(approval) from None
    logger.info("approval decided", extra={"approvalId": approval_id, "decision": decision})
    _count("ApprovalsDecided")
    return deliver(replace(approval, decision=decision, decided_at=now), store=store, callbacks=callbacks,
                   now=now), True


def deliver(approval: PendingApproval, *, store, callbacks, now: int) -> PendingApproval:
    """Tell the workflow the recorded decision; recorded as delivered only once Step Functions took it."""
    approval_id = approval.approval_id
    try:
        if approval.decision == APPROVED:
            callbacks.succeed(approval.task_token, {"decision": approval.decision, "approvalId": approval_id,
                                                    "decidedAt": approval.decided_at})
        else:
            callbacks.fail(approval.task_token, "Rejected", f"The approver rejected request {approval_id}")
    except ClientError as exc:
        message = f"{error_code(exc)}: {exc.response['Error'].get('Message')}"
        if not task_gone(exc):
            logger.warning("callback not delivered, kept for the next click",
                           extra={"approvalId": approval_id, "error": message})
            _count("CallbacksNotDelivered")
            raise NotDeliveredYet(approval, message) from None
        # The execution ended (timed out, stopped) before the click arrived: the decision stands, unheard.
        logger.warning("callback refused", extra={"approvalId": approval_id, "error": message})
        _count("CallbacksRefused")
        store.record_callback_error(approval_id, message)
        return replace(approval, callback_error=message)
    except BotoCoreError as exc:
        logger.warning("callback not delivered, kept for the next click",
                       extra={"approvalId": approval_id, "error": repr(exc)})
        _count("CallbacksNotDelivered")
        raise NotDeliveredYet(approval, type(exc).__name__) from None
    store.record_delivered(approval_id, now)
    _count("ApprovalDecisionsDelivered")
    return replace(approval, delivered_at=now)


def _count(event: str) -> None:
    """One CloudWatch metric per event of an approval, published by the handler's @metrics.log_metrics."""
    metrics.add_metric(name=event, unit=MetricUnit.Count, value=1)


def status(approval: PendingApproval, now: int) -> dict:
    state = approval.decision or ("expired" if approval.is_expired(now) else "pending")
    r = approval.request
    return {
        "approvalId": approval.approval_id,
        "status": state,
        "request": {"x": r.x, "y": r.y, "sum": r.sum, "doubled": r.doubled},
        "expiresAt": approval.expires_at,
        "decidedAt": approval.decided_at,
        "callbackError": approval.callback_error,
        "delivered": approval.delivered_at is not None,
    }
