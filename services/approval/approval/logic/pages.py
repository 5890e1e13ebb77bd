"""The small HTML pages behind the email links. GET only ever renders; the button POSTs the decision."""
from html import escape

from approval.logic.approvals import PendingApproval

_STYLE = ("body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#222}"
          "table{border-collapse:collapse}td{padding:.2rem .8rem .2rem 0}"
          "button{font-size:1.1rem;padding:.5rem 1.4rem;border:0;border-radius:.3rem;color:#fff;cursor:pointer}"
          ".approve{background:#1d7a3a}.reject{background:#b3261e}")


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>")


def _request_table(approval: PendingApproval) -> str:
    r = approval.request
    rows = "".join(f"<tr><td>{name}</td><td><b>{escape(str(value))}</b></td></tr>"
                   for name, value in (("x", r.x), ("y", r.y), ("sum", r.sum), ("doubled", r.doubled)))
    return f"<table>{rows}</table>"


def _decision_form(action: str, sig: str, form_action: str, label: str) -> str:
    return (f'<form method="post" action="{escape(form_action)}">'
            f'<input type="hidden" name="action" value="{escape(action)}">'
            f'<input type="hidden" name="sig" value="{escape(sig)}">'
            f'<button type="submit" class="{escape(action)}" id="decide">{escape(label)}</button></form>')


def confirm_page(approval: PendingApproval, action: str, sig: str, form_action: str) -> str:
    verb = "Approve" if action == "approve" else "Reject"
    return _page(f"{verb} this request?", _request_table(approval) + f"<p>Press the button to {action}.</p>"
                 + _decision_form(action, sig, form_action, verb))


def deliver_page(approval: PendingApproval, action: str, sig: str, form_action: str) -> str:
    """Decided, not delivered yet: either link's button delivers the decision that was recorded."""
    return _page("Decision recorded, not delivered yet",
                 _request_table(approval)
                 + f'<p id="decision">The decision recorded is <b>{escape(str(approval.decision))}</b>; the workflow '
                   'has not been told yet.</p>'
                 + _decision_form(action, sig, form_action, "Deliver the decision"))


def decided_page(approval: PendingApproval, just_now: bool) -> str:
    when = "Your decision was recorded" if just_now else "This request was already decided"
    note = ""
    if approval.callback_error:
        note = f"<p>The workflow no longer waits for this decision ({escape(approval.callback_error)}).</p>"
    return _page(f"Request {approval.decision}",
                 _request_table(approval) + f'<p id="decision">{when}: <b>{escape(str(approval.decision))}</b>.</p>'
                 + note)


def not_delivered_page(approval: PendingApproval) -> str:
    return _page("Decision recorded, not delivered yet",
                 _request_table(approval)
                 + f'<p id="decision">Your decision is recorded: <b>{escape(str(approval.decision))}</b>.</p>'
                 + '<p id="error">The workflow could not be told yet. Open the link again in a minute: its button '
                   'delivers this decision (the other link\'s does too; nothing is decided twice).</p>')


def error_page(title: str, message: str) -> str:
    return _page(title, f'<p id="error">{escape(message)}</p>')
