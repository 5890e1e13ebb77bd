"""requestApproval: invoked by the state machine with a task token; stores the request and emails signed links."""
import pytest

from approval.flows import EmailNotSent
from approval.logic import links
from tests.support.aws import moto_client, sent_emails
from tests.support.events import load_event
from tests.support.tokens import new_task_token
from tests.support.approval import email_links

# Every handler path publishes a metric: an empty @metrics.log_metrics fails the test.
pytestmark = pytest.mark.filterwarnings("error:No application metrics to publish:UserWarning")


def test_given_a_task_token_when_approval_is_requested_then_the_table_holds_the_pending_request(approval):
    token = new_task_token()
    event = load_event("sfn-request-approval", taskToken=token, timeoutSeconds=3600)

    result = approval.request_approval(event, approval.context())

    item = approval.item(result["approvalId"])
    assert item["taskToken"] == token
    assert item["executionArn"] == event["executionArn"]
    assert item["request"] == {"x": 125, "y": 122, "sum": 247, "doubled": 494}
    assert item["expiresAt"] == item["createdAt"] + 3600 == result["expiresAt"]
    assert item["ttl"] == item["expiresAt"] + 86400
    assert "decision" not in item


def test_given_float_numbers_when_approval_is_requested_then_they_are_stored_and_read_back_exactly(approval):
    request = {"x": 1.5, "y": -0.25, "sum": 1.25, "doubled": 2.5}

    result, _ = approval.request(request=request)

    stored = approval.resources.module("showApproval").container.store.get(result["approvalId"])
    assert stored.request.x == 1.5 and stored.request.y == -0.25 and stored.request.doubled == 2.5


def test_when_approval_is_requested_then_one_email_goes_from_the_sender_to_the_approver(approval):
    result, _ = approval.request()

    (message,) = sent_emails()
    assert message.source == approval.environment["SENDER_EMAIL"]
    assert message.destinations["ToAddresses"] == [approval.environment["APPROVER_EMAIL"]]
    assert "494" in message.subject
    assert result["approvalId"] in message.body


def test_when_approval_is_requested_then_the_email_links_point_at_the_api_and_hold_no_task_token(approval):
    token = new_task_token()

    result = approval.request_approval(load_event("sfn-request-approval", taskToken=token), approval.context())

    (message,) = sent_emails()
    found = email_links(message)
    assert set(found) == {"approve", "reject"}
    base = approval.environment["APPROVAL_BASE_URL"]
    for link in found.values():
        assert link.url.startswith(f"{base}/approvals/{result['approvalId']}?")
        assert link.approval_id == result["approvalId"]
    assert token not in message.body and token not in message.subject


def test_when_approval_is_requested_then_the_links_are_signed_with_the_key_from_secrets_manager(approval):
    result, found = approval.request()

    key = approval.link_key()
    assert links.is_valid(key, result["approvalId"], "approve", found["approve"].sig)
    assert links.is_valid(key, result["approvalId"], "reject", found["reject"].sig)
    assert found["approve"].sig != found["reject"].sig


def test_given_the_sender_is_not_verified_when_approval_is_requested_then_email_not_sent_names_the_cause(approval):
    moto_client("ses").delete_identity(Identity=approval.environment["SENDER_EMAIL"])

    with pytest.raises(EmailNotSent) as raised:
        approval.request_approval(load_event("sfn-request-approval", taskToken=new_task_token()), approval.context())

    assert "MessageRejected" in str(raised.value)
    assert approval.environment["APPROVER_EMAIL"] in str(raised.value)
    assert sent_emails() == []


@pytest.mark.parametrize("payload, problem", [
    ({"request": {"x": 1, "y": 2, "sum": 3}}, "doubled"),
    ({"taskToken": ""}, "task token"),
    ({"timeoutSeconds": 0}, "timeout"),
    ({"timeoutSeconds": "soon"}, "invalid"),
])
def test_given_an_invalid_payload_when_approval_is_requested_then_it_fails_and_nothing_is_stored_or_sent(
        approval, payload, problem):
    event = load_event("sfn-request-approval", **{"taskToken": new_task_token(), **payload})

    with pytest.raises(ValueError, match=problem):
        approval.request_approval(event, approval.context())

    assert approval.table.scan()["Items"] == []
    assert sent_emails() == []


def test_when_approval_is_requested_then_the_log_names_the_approval_but_not_the_token(approval, captured_logs):
    result, _ = approval.request()

    requested = [e for e in captured_logs.entries() if e["message"] == "approval requested"]
    assert requested and requested[0]["approvalId"] == result["approvalId"]
    assert requested[0]["function_name"] == "waitflows-approval-dev-requestApproval"
