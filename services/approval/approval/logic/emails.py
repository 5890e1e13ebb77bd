"""The approval email: what the approver reads, with one link per decision and no task token in it."""
from dataclasses import dataclass
from html import escape

from approval.logic.approvals import PendingApproval


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def approval_email(approval: PendingApproval, approve_url: str, reject_url: str) -> Email:
    r = approval.request
    summary = f"x = {r.x}, y = {r.y}, sum = {r.sum}, doubled = {r.doubled}"
    subject = f"Approval needed: doubled value {r.doubled}"
    text = (
        "A workflow is waiting for your decision.\n\n"
        f"{summary}\n\n"
        f"Approve: {approve_url}\n"
        f"Reject:  {reject_url}\n\n"
        "Each link opens a page where you confirm your choice; opening it alone decides nothing.\n"
        f"Request {approval.approval_id}, execution {approval.execution_arn}\n"
    )
    html = (
        "<p>A workflow is waiting for your decision.</p>"
        f"<p>{escape(summary)}</p>"
        f'<p><a href="{escape(approve_url)}">Approve</a> &nbsp; <a href="{escape(reject_url)}">Reject</a></p>'
        "<p><small>Each link opens a page where you confirm your choice; opening it alone decides nothing."
        f"<br>Request {escape(approval.approval_id)}</small></p>"
    )
    return Email(subject=subject, text=text, html=html)
