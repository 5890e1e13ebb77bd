"""showApproval (GET on an emailed link) and submitApproval (the page's button), against the real table."""
import json
import time
from types import SimpleNamespace

import pytest

from approval.logic import links
from tests.support.approval import Link
from tests.support.events import approval_event, with_body

# Every handler path publishes a metric: an empty @metrics.log_metrics fails the test.
pytestmark = pytest.mark.filterwarnings("error:No application metrics to publish:UserWarning")


def show(approval, link: Link, **changes):
    """GET the page an emailed link opens; `changes` tamper with its approval_id, action or sig."""
    fields = {"approval_id": link.approval_id, "action": link.action, "sig": link.sig, **changes}
    event = approval_event("apigw-get-approval-page", fields["approval_id"], fields["action"], fields["sig"])
    return approval.show(event, approval.context("showApproval"))


def submit(approval, link: Link, **changes):
    """POST the page's form, as its button does."""
    fields = {"approval_id": link.approval_id, "action": link.action, "sig": link.sig, **changes}
    event = approval_event("apigw-post-approval-page", fields["approval_id"], fields["action"], fields["sig"])
    return approval.submit(event, approval.context("submitApproval"))


def headers(response: dict) -> dict[str, str]:
    """A Lambda proxy response's headers, single- or multi-valued (API Gateway merges both)."""
    merged = dict(response.get("headers") or {})
    merged.update({name: ", ".join(values) for name, values in (response.get("multiValueHeaders") or {}).items()})
    return merged


def request_expired(approval, monkeypatch):
    """An approval requested two hours ago with a one-hour timeout."""
    two_hours_ago = time.time() - 7200
    clock = SimpleNamespace(time=lambda: two_hours_ago)
    monkeypatch.setattr(approval.resources.module("requestApproval"), "time", clock)
    return approval.request(timeoutSeconds=3600)


# --- GET: the page behind the link -------------------------------------------------------------------------------

def test_given_an_approve_link_when_it_is_opened_then_the_page_asks_to_confirm_with_a_post_form(approval):
    _, found = approval.request()

    response = show(approval, found["approve"])

    assert response["statusCode"] == 200
    assert headers(response)["Content-Type"].startswith("text/html")
    page = response["body"]
    assert '<form method="post"' in page
    assert f'name="sig" value="{found["approve"].sig}"' in page
    assert 'name="action" value="approve"' in page
    assert "247" in page and "494" in page
    assert 'id="decision"' not in page


def test_given_an_approve_link_when_it_is_opened_then_nothing_changes_and_nobody_is_called_back(approval):
    result, found = approval.request()
    before = approval.item(result["approvalId"])

    show(approval, found["approve"])
    show(approval, found["reject"])

    assert approval.item(result["approvalId"]) == before
    assert approval.callbacks.calls == []


def test_when_the_page_is_served_then_it_is_kept_out_of_caches_referrers_and_frames(approval):
    _, found = approval.request()

    served = headers(show(approval, found["approve"]))

    assert served["Cache-Control"] == "no-store"
    assert served["Referrer-Policy"] == "no-referrer"
    assert served["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("tamper", [
    {"sig": "A" * 43},
    {"action": "reject"},           # the approve signature does not sign a rejection
    {"approval_id": "someone-elses-id"},
])
def test_given_a_tampered_link_when_it_is_opened_then_403_and_nothing_is_revealed(approval, tamper):
    result, found = approval.request()

    response = show(approval, found["approve"], **tamper)

    assert response["statusCode"] == 403
    assert 'id="error"' in response["body"]
    assert "247" not in response["body"]


def test_given_a_link_with_no_valid_action_when_it_is_opened_then_400(approval):
    _, found = approval.request()

    assert show(approval, found["approve"], action="delete")["statusCode"] == 400


def test_given_a_validly_signed_link_to_an_unknown_request_when_it_is_opened_then_404(approval):
    approval.request()
    sig = links.signature(approval.link_key(), "no-such-request", "approve")

    response = show(approval, Link("", "no-such-request", "approve", sig))

    assert response["statusCode"] == 404


def test_given_an_expired_request_when_its_link_is_opened_then_410(approval, monkeypatch):
    _, found = request_expired(approval, monkeypatch)

    response = show(approval, found["approve"])

    assert response["statusCode"] == 410
    assert "expired" in response["body"]


def test_given_a_decided_request_when_a_link_is_opened_again_then_the_page_shows_the_decision(approval):
    _, found = approval.request()
    submit(approval, found["reject"])

    response = show(approval, found["approve"])

    assert response["statusCode"] == 200
    assert "already decided" in response["body"] and "rejected" in response["body"]
    assert "<form" not in response["body"]


# --- POST: the button --------------------------------------------------------------------------------------------

def test_given_a_pending_request_when_approve_is_pressed_then_it_is_decided_and_the_workflow_resumed(approval):
    result, found = approval.request()
    token = approval.item(result["approvalId"])["taskToken"]

    response = submit(approval, found["approve"])

    assert response["statusCode"] == 200
    assert "Your decision was recorded" in response["body"] and "approved" in response["body"]
    item = approval.item(result["approvalId"])
    assert item["decision"] == "approved"
    assert abs(int(item["decidedAt"]) - time.time()) < 60
    (success,) = approval.callbacks.successes
    assert success["taskToken"] == token
    assert success["output"] == (f'{{"decision": "approved", "approvalId": "{result["approvalId"]}", '
                                 f'"decidedAt": {int(item["decidedAt"])}}}')
    assert approval.callbacks.failures == []


def test_given_a_pending_request_when_reject_is_pressed_then_the_task_fails_with_rejected(approval):
    result, found = approval.request()

    response = submit(approval, found["reject"])

    assert response["statusCode"] == 200 and "rejected" in response["body"]
    assert approval.item(result["approvalId"])["decision"] == "rejected"
    (failure,) = approval.callbacks.failures
    assert failure["error"] == "Rejected"
    assert result["approvalId"] in failure["cause"]
    assert approval.callbacks.successes == []


@pytest.mark.parametrize("second", ["approve", "reject"])
def test_given_a_decided_request_when_a_button_is_pressed_again_then_nothing_changes(approval, second):
    result, found = approval.request()
    submit(approval, found["approve"])
    decided = approval.item(result["approvalId"])

    response = submit(approval, found[second])

    assert response["statusCode"] == 200
    assert "already decided" in response["body"] and "approved" in response["body"]
    assert approval.item(result["approvalId"]) == decided
    assert len(approval.callbacks.calls) == 1


def test_given_a_tampered_signature_when_the_form_is_posted_then_403_and_nothing_changes(approval):
    result, found = approval.request()
    before = approval.item(result["approvalId"])

    response = submit(approval, found["approve"], action="reject")

    assert response["statusCode"] == 403
    assert approval.item(result["approvalId"]) == before
    assert approval.callbacks.calls == []


def test_given_a_non_ascii_signature_when_the_form_is_posted_then_403_not_a_crash(approval):
    _, found = approval.request()

    assert submit(approval, found["approve"], sig="é" * 43)["statusCode"] == 403


def test_given_an_expired_request_when_approve_is_pressed_then_410_and_the_workflow_is_not_called(
        approval, monkeypatch):
    result, found = request_expired(approval, monkeypatch)

    response = submit(approval, found["approve"])

    assert response["statusCode"] == 410
    assert "decision" not in approval.item(result["approvalId"])
    assert approval.callbacks.calls == []


def test_given_the_workflow_timed_out_when_approve_is_pressed_then_the_decision_stands_and_the_page_says_so(
        approval):
    result, found = approval.request()
    approval.callbacks.refuse_with("TaskTimedOut", "Task Timed Out")

    response = submit(approval, found["approve"])

    assert response["statusCode"] == 200
    assert "approved" in response["body"]
    assert "no longer waits" in response["body"] and "TaskTimedOut" in response["body"]
    item = approval.item(result["approvalId"])
    assert item["decision"] == "approved"
    assert item["callbackError"] == "TaskTimedOut: Task Timed Out"


def test_given_step_functions_throttles_the_callback_when_approve_is_pressed_then_the_next_click_delivers_it(
        approval):
    result, found = approval.request()
    approval.callbacks.refuse_with("ThrottlingException", "Rate exceeded")

    throttled = submit(approval, found["approve"])

    assert throttled["statusCode"] == 503 and headers(throttled)["Retry-After"] == "30"
    assert "Your decision is recorded" in throttled["body"] and "approved" in throttled["body"]
    item = approval.item(result["approvalId"])
    assert item["decision"] == "approved" and "deliveredAt" not in item and "callbackError" not in item
    # The reject link, opened now, offers to deliver what was recorded, not to reject.
    page = show(approval, found["reject"])
    assert page["statusCode"] == 200 and "Deliver the decision" in page["body"] and "approved" in page["body"]

    approval.callbacks.accept_again()
    delivered = submit(approval, found["reject"])

    assert delivered["statusCode"] == 200 and "approved" in delivered["body"]
    (success,) = approval.callbacks.named("SendTaskSuccess")
    assert json.loads(success["output"])["decision"] == "approved"
    assert approval.callbacks.named("SendTaskFailure") == []
    assert "deliveredAt" in approval.item(result["approvalId"])


def test_given_a_form_without_fields_when_it_is_posted_then_400(approval):
    result, found = approval.request()
    event = approval_event("apigw-post-approval-page", result["approvalId"])

    response = approval.submit(event, approval.context("submitApproval"))

    assert response["statusCode"] == 400
    assert approval.callbacks.calls == []


def test_given_a_base64_encoded_form_when_it_is_posted_then_it_is_decoded_and_decides(approval):
    result, found = approval.request()
    event = approval_event("apigw-post-approval-page", result["approvalId"], "approve", found["approve"].sig)
    event = with_body(event, event["body"], base64_encoded=True)

    response = approval.submit(event, approval.context("submitApproval"))

    assert response["statusCode"] == 200
    assert approval.item(result["approvalId"])["decision"] == "approved"
