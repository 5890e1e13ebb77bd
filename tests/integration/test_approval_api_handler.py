"""getApprovalStatus and postApprovalDecision: the same decision for programs, JSON in and out."""
import json

import pytest

from approval.logic import links
from tests.support.events import approval_event, load_event, with_body

# Every handler path publishes a metric: an empty @metrics.log_metrics fails the test.
pytestmark = pytest.mark.filterwarnings("error:No application metrics to publish:UserWarning")


def get_status(approval, approval_id, action, sig):
    event = approval_event("apigw-get-approval-status", approval_id, action, sig)
    response = approval.get_status(event, approval.context("getApprovalStatus"))
    return response["statusCode"], json.loads(response["body"])


def post_decision_response(approval, approval_id, action, sig) -> dict:
    event = approval_event("apigw-post-approval-decision", approval_id, action, sig)
    return approval.post_decision(event, approval.context("postApprovalDecision"))


def post_decision(approval, approval_id, action, sig):
    response = post_decision_response(approval, approval_id, action, sig)
    return response["statusCode"], json.loads(response["body"])


def test_given_a_pending_request_when_its_status_is_read_then_it_is_pending_with_its_numbers(approval):
    result, found = approval.request()
    link = found["reject"]

    status, body = get_status(approval, link.approval_id, link.action, link.sig)

    assert status == 200
    assert body["approvalId"] == result["approvalId"]
    assert body["status"] == "pending"
    assert body["request"] == {"x": 125, "y": 122, "sum": 247, "doubled": 494}
    assert body["expiresAt"] == result["expiresAt"]
    assert body["decidedAt"] is None and body["callbackError"] is None


def test_when_the_status_is_read_then_the_answer_holds_no_task_token(approval):
    result, found = approval.request()
    token = approval.item(result["approvalId"])["taskToken"]
    link = found["approve"]

    event = approval_event("apigw-get-approval-status", link.approval_id, link.action, link.sig)
    response = approval.get_status(event, approval.context("getApprovalStatus"))

    assert response["statusCode"] == 200
    assert token not in response["body"] and "taskToken" not in response["body"]


def test_given_a_forged_signature_when_the_status_is_read_then_403(approval):
    result, found = approval.request()

    status, body = get_status(approval, result["approvalId"], "approve", found["reject"].sig)

    assert status == 403
    assert "not valid" in body["message"]


def test_given_a_pending_request_when_approve_is_posted_then_200_approved_and_the_workflow_resumes(approval):
    result, found = approval.request()

    status, body = post_decision(approval, result["approvalId"], "approve", found["approve"].sig)

    assert status == 200
    assert body["status"] == "approved" and isinstance(body["decidedAt"], int)
    assert approval.item(result["approvalId"])["decision"] == "approved"
    assert len(approval.callbacks.successes) == 1


def test_given_an_approved_request_when_approve_is_posted_again_then_200_and_no_second_callback(approval):
    result, found = approval.request()
    post_decision(approval, result["approvalId"], "approve", found["approve"].sig)

    status, body = post_decision(approval, result["approvalId"], "approve", found["approve"].sig)

    assert status == 200 and body["status"] == "approved"
    assert len(approval.callbacks.calls) == 1


def test_given_an_approved_request_when_reject_is_posted_then_409_and_nothing_changes(approval):
    result, found = approval.request()
    post_decision(approval, result["approvalId"], "approve", found["approve"].sig)
    decided = approval.item(result["approvalId"])

    status, body = post_decision(approval, result["approvalId"], "reject", found["reject"].sig)

    assert status == 409
    assert body["message"] == "this request was already approved"
    assert body["status"] == "approved"
    assert approval.item(result["approvalId"]) == decided
    assert len(approval.callbacks.calls) == 1


def test_given_a_decision_when_the_status_is_read_then_it_shows_the_decision(approval):
    result, found = approval.request()
    post_decision(approval, result["approvalId"], "reject", found["reject"].sig)

    status, body = get_status(approval, result["approvalId"], "approve", found["approve"].sig)

    assert status == 200 and body["status"] == "rejected" and body["decidedAt"] is not None
    assert approval.callbacks.failures[0]["error"] == "Rejected"


def test_given_the_approve_signature_when_reject_is_posted_then_403(approval):
    result, found = approval.request()

    status, _ = post_decision(approval, result["approvalId"], "reject", found["approve"].sig)

    assert status == 403
    assert "decision" not in approval.item(result["approvalId"])
    assert approval.callbacks.calls == []


@pytest.mark.parametrize("body, problem", [
    ("not json", "not valid JSON"),
    ("", "JSON object"),
    ("[]", "JSON object"),
    ('"approve"', "JSON object"),
    ('{"sig": "abc"}', "action"),
    ('{"action": "maybe", "sig": "abc"}', "action"),
    ('{"action": "approve"}', "sig"),
    ('{"action": "approve", "sig": ""}', "sig"),
    ('{"action": "approve", "sig": 42}', "sig"),
    ('{"action": "approve", "sig": null}', "sig"),
])
def test_given_a_bad_body_when_a_decision_is_posted_then_400_naming_the_problem_and_nothing_changes(
        approval, body, problem):
    result, _ = approval.request()
    before = approval.item(result["approvalId"])
    event = with_body(approval_event("apigw-post-approval-decision", result["approvalId"]), body)

    response = approval.post_decision(event, approval.context("postApprovalDecision"))

    assert response["statusCode"] == 400
    assert problem in json.loads(response["body"])["message"]
    assert approval.item(result["approvalId"]) == before
    assert approval.callbacks.calls == []


def test_given_a_signature_for_an_unknown_request_when_a_decision_is_posted_then_404(approval):
    approval.request()
    sig = links.signature(approval.link_key(), "no-such-request", "approve")

    status, _ = post_decision(approval, "no-such-request", "approve", sig)

    assert status == 404


def test_given_the_event_file_when_it_is_posted_unchanged_then_its_placeholder_signature_is_refused(approval):
    event = load_event("apigw-post-approval-decision")

    response = approval.post_decision(event, approval.context("postApprovalDecision"))

    assert response["statusCode"] == 403


def test_given_step_functions_is_unavailable_when_reject_is_posted_then_503_and_the_next_post_delivers_it(approval):
    result, found = approval.request()
    link = found["reject"]
    approval.callbacks.refuse_with("ServiceUnavailable", "Service Unavailable")

    response = post_decision_response(approval, link.approval_id, link.action, link.sig)

    body = json.loads(response["body"])
    assert response["statusCode"] == 503 and response["multiValueHeaders"]["Retry-After"] == ["30"]
    assert body["status"] == "rejected" and body["delivered"] is False
    assert "post again" in body["message"]
    approval.callbacks.accept_again()
    status, body = post_decision(approval, link.approval_id, link.action, link.sig)
    assert status == 200 and body["status"] == "rejected" and body["delivered"] is True
    (failure,) = approval.callbacks.named("SendTaskFailure")
    assert failure["error"] == "Rejected"
