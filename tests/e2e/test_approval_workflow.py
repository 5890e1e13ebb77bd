"""The approval workflow of seed 004, end to end through the local cloud's public surfaces, as a user drives it:
POST /orchestrator/calculate, read the email at /_aws/ses, open its link, press the button on that page."""
import json
import time
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from tests.e2e.conftest import API, start_calculation

APPROVER = "approver@example.com"
SENDER = "workflows@example.com"


def press_button(link: str, action: str | None = None) -> requests.Response:
    """What the page's single button does: POST the action and signature back to the page's own URL."""
    query = parse_qs(urlparse(link).query)
    form = {"action": action or query["action"][0], "sig": query["sig"][0]}
    return requests.post(link.split("?")[0], data=form, timeout=30)


def approval_status(link: str) -> dict:
    approval_id = urlparse(link).path.rsplit("/", 1)[-1]
    return requests.get(f"{API}/approval/api/approvals/{approval_id}?{urlparse(link).query}", timeout=30).json()


def started(cloud, body) -> str:
    response = start_calculation(cloud, body)
    assert response.status_code == 200, response.text
    return response.json()["executionArn"]


def executions_count(cloud) -> int:
    sfn = cloud.client("stepfunctions")
    arn = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]
               if m["name"] == "waitflows-approval-workflow-local")
    return len(sfn.list_executions(stateMachineArn=arn)["executions"])


@pytest.fixture(scope="module")
def abandoned_run(cloud) -> str:
    """Started first in this module so its (short, stage local) approval timeout runs out while the others run."""
    return started(cloud, {"x": 1, "y": 2})


@pytest.fixture(autouse=True)
def _start_abandoned_run_early(abandoned_run):
    yield


def test_approved_run_succeeds_with_the_doubled_sum(cloud):
    # Given a run started with the article's numbers
    arn = started(cloud, {"x": 125, "y": 122})
    # When the approver opens the Approve link from the email and presses the button on that page
    email = cloud.email_for_execution(arn)
    assert email["Destination"]["ToAddresses"] == [APPROVER] and email["Source"] == SENDER
    link = cloud.link(email, "Approve")
    page = requests.get(link, timeout=30)
    assert page.status_code == 200 and 'method="post"' in page.text and "494" in page.text
    decided = press_button(link)
    # Then the run succeeds with x, y, the sum, the doubled value and the decision
    assert decided.status_code == 200 and "approved" in decided.text
    execution = cloud.wait_for_execution(arn)
    assert execution["status"] == "SUCCEEDED"
    output = json.loads(execution["output"])
    assert {k: output[k] for k in ("x", "y", "sum", "doubled", "decision")} == {
        "x": 125, "y": 122, "sum": 247, "doubled": 494, "decision": "approved"}


def test_the_email_carries_no_task_token(cloud):
    arn = started(cloud, {"x": 3, "y": 4})
    email = cloud.email_for_execution(arn)
    history = cloud.history(arn)
    tokens = {json.loads(e["taskScheduledEventDetails"]["parameters"])["Payload"].get("taskToken")
              for e in history if "taskScheduledEventDetails" in e} - {None}
    assert tokens, "the Approval task was scheduled with a token"
    for token in tokens:
        assert token not in email["Body"]["text_part"] and token not in email["Body"]["html_part"]
    press_button(cloud.link(email, "Reject"))
    cloud.wait_for_execution(arn)


def test_opening_links_decides_nothing(cloud):
    # Given a run waiting for approval
    arn = started(cloud, {"x": 10, "y": 20})
    email = cloud.email_for_execution(arn)
    # When a mail scanner fetches both links, twice
    for label in ("Approve", "Reject", "Approve", "Reject"):
        assert requests.get(cloud.link(email, label), timeout=30).status_code == 200
    # Then nothing is decided and the run still waits at Approval
    assert approval_status(cloud.link(email, "Approve"))["status"] == "pending"
    assert cloud.describe(arn)["status"] == "RUNNING"
    assert cloud.states_entered(arn)[-1] == "Approval"
    press_button(cloud.link(email, "Reject"))
    assert cloud.wait_for_execution(arn)["status"] == "FAILED"


def test_rejected_run_fails_with_rejected(cloud):
    arn = started(cloud, {"x": 7, "y": 8})
    email = cloud.email_for_execution(arn)
    assert "rejected" in press_button(cloud.link(email, "Reject")).text
    execution = cloud.wait_for_execution(arn)
    assert execution["status"] == "FAILED" and execution["error"] == "Rejected"


def test_a_second_click_changes_nothing(cloud):
    # Given an approved run
    arn = started(cloud, {"x": 5, "y": 6})
    email = cloud.email_for_execution(arn)
    press_button(cloud.link(email, "Approve"))
    assert cloud.wait_for_execution(arn)["status"] == "SUCCEEDED"
    # When someone then presses Reject, and calls the JSON API to reject
    again = press_button(cloud.link(email, "Reject"))
    reject_sig = parse_qs(urlparse(cloud.link(email, "Reject")).query)["sig"][0]
    approval_id = urlparse(cloud.link(email, "Reject")).path.rsplit("/", 1)[-1]
    api = cloud.api("POST", f"/approval/api/approvals/{approval_id}/decision",
                    json={"action": "reject", "sig": reject_sig})
    # Then both show the recorded decision and the run stays approved
    assert again.status_code == 200 and "already decided" in again.text and "approved" in again.text
    assert api.status_code == 409 and api.json()["status"] == "approved"
    assert cloud.describe(arn)["status"] == "SUCCEEDED"


def test_tampered_link_is_refused_and_changes_nothing(cloud):
    arn = started(cloud, {"x": 11, "y": 12})
    email = cloud.email_for_execution(arn)
    approve = cloud.link(email, "Approve")
    reject_sig = parse_qs(urlparse(cloud.link(email, "Reject")).query)["sig"][0]
    approval_id = urlparse(approve).path.rsplit("/", 1)[-1]
    forged = [
        approve.replace("sig=", "sig=x"),                                   # altered signature
        approve.replace("action=approve", "action=reject"),                 # approve signature used to reject
        approve.replace(approval_id, approval_id[::-1]),                    # another id
        f"{approve.split('?')[0]}?action=approve&sig={reject_sig}",         # reject signature used to approve
    ]
    for link in forged:
        assert 400 <= requests.get(link, timeout=30).status_code < 500, link
        assert 400 <= press_button(link).status_code < 500, link
    assert approval_status(approve)["status"] == "pending"
    assert cloud.describe(arn)["status"] == "RUNNING"
    press_button(approve)
    assert cloud.wait_for_execution(arn)["status"] == "SUCCEEDED"


def test_json_api_decides_like_the_button(cloud):
    arn = started(cloud, {"x": 2.5, "y": -1})
    email = cloud.email_for_execution(arn)
    link = cloud.link(email, "Approve")
    approval_id = urlparse(link).path.rsplit("/", 1)[-1]
    sig = parse_qs(urlparse(link).query)["sig"][0]
    bad = cloud.api("POST", f"/approval/api/approvals/{approval_id}/decision", json={"action": "maybe", "sig": sig})
    assert bad.status_code == 400
    answer = cloud.api("POST", f"/approval/api/approvals/{approval_id}/decision", json={"action": "approve", "sig": sig})
    assert answer.status_code == 200 and answer.json()["status"] == "approved"
    output = json.loads(cloud.wait_for_execution(arn)["output"])
    assert output["sum"] == 1.5 and output["doubled"] == 3.0


def test_number_too_big_is_caught_as_number_is_too_big(cloud):
    # Given a sum of 500, the third-party API's first refused value
    arn = started(cloud, {"x": 250, "y": 250})
    execution = cloud.wait_for_execution(arn)
    # Then the run fails with NumberIsTooBig through the Catch that names it (not an uncaught error)
    assert execution["status"] == "FAILED" and execution["error"] == "NumberIsTooBig"
    assert "NumberTooBigToDouble" in cloud.states_entered(arn)
    assert "500" in execution["cause"]
    assert not any(arn in (m["Body"]["text_part"] or "") for m in cloud.emails())


@pytest.mark.parametrize("body, named", [
    ("not json", "JSON"),
    ('{"x": NaN, "y": 1}', "NaN is not a JSON number"),
    ('{"x": 1}', "'y' is a required property"),
    ('{"y": 1}', "'x' is a required property"),
    ('{"x": 1, "y": 2, "z": 3}', "Additional properties"),
    ('{"x": "1", "y": 2}', "x: '1' is not of type 'number'"),
    ('{"x": true, "y": 2}', "x: True is not of type 'number'"),
    ('{"x": null, "y": 2}', "x: None is not of type 'number'"),
    ('{"x": [1], "y": 2}', "x: [1] is not of type 'number'"),
    ('{"x": {"v": 1}, "y": 2}', "is not of type 'number'"),
    ('[1, 2]', "is not of type 'object'"),
    ("", "is not of type 'object'"),
])
def test_bad_bodies_get_400_naming_the_problem_and_start_nothing(cloud, body, named):
    before = executions_count(cloud)
    response = start_calculation(cloud, body)
    assert response.status_code == 400
    assert response.json()["message"].startswith("Invalid request body")
    assert named in response.json()["message"]
    assert executions_count(cloud) == before


def test_form_encoded_bodies_are_refused_too(cloud):
    before = executions_count(cloud)
    response = cloud.api("POST", "/orchestrator/calculate", data={"x": "1", "y": "2"})
    assert response.status_code == 400
    assert executions_count(cloud) == before


def test_given_an_idempotency_key_when_the_same_calculation_is_posted_again_then_one_run_answers_both(cloud):
    key = {"Content-Type": "application/json", "Idempotency-Key": f"e2e-{time.time_ns()}"}
    before = executions_count(cloud)

    first = cloud.api("POST", "/orchestrator/calculate", data='{"x": 3, "y": 4}', headers=key)
    again = cloud.api("POST", "/orchestrator/calculate", data='{"y": 4, "x": 3}', headers=key)
    other = cloud.api("POST", "/orchestrator/calculate", data='{"x": 5, "y": 6}', headers=key)

    assert (first.status_code, again.status_code, other.status_code) == (200, 200, 422), other.text
    assert again.json() == first.json()
    assert executions_count(cloud) == before + 1


@pytest.mark.parametrize("execution_input", [{"x": "1", "y": 2}, {"y": 2}, {}])
def test_the_state_machine_validates_its_input_too(cloud, execution_input):
    """Defence in depth: an execution started without API Gateway still refuses bad input."""
    sfn = cloud.client("stepfunctions")
    arn = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]
               if m["name"] == "waitflows-approval-workflow-local")
    execution_arn = sfn.start_execution(stateMachineArn=arn, input=json.dumps(execution_input))["executionArn"]
    execution = cloud.wait_for_execution(execution_arn)
    assert execution["status"] == "FAILED" and execution["error"] == "InvalidInput"


def test_a_failed_email_fails_the_run_at_once_with_the_cause(cloud):
    # Given SES no longer accepts the sender (as on AWS before the address is verified)
    ses = cloud.client("ses")
    ses.delete_identity(Identity=SENDER)
    try:
        arn = started(cloud, {"x": 1, "y": 1})
        execution = cloud.wait_for_execution(arn, timeout=20)
    finally:
        ses.verify_email_identity(EmailAddress=SENDER)
    # Then the run fails now, naming why, instead of waiting for an approval nobody was asked for
    assert execution["status"] == "FAILED" and execution["error"] == "EmailNotSent"
    assert SENDER in execution["cause"] and "not verified" in execution["cause"]
    assert "Approval" in cloud.states_entered(arn) and "ApprovalTimedOut" not in cloud.states_entered(arn)


def test_an_approval_left_alone_ends_with_a_clear_timeout(cloud, abandoned_run):
    execution = cloud.wait_for_execution(abandoned_run, timeout=90)
    assert execution["status"] == "FAILED" and execution["error"] == "ApprovalTimedOut"
    assert "approval timeout" in execution["cause"]
    link = cloud.link(cloud.email_for_execution(abandoned_run), "Approve")
    # The expired request refuses a late decision and says why.
    late = press_button(link)
    assert late.status_code == 410 and "expired" in late.text
