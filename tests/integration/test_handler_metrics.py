"""The CloudWatch metrics the handlers publish (EMF on stdout), one per workflow event they know of.

Every test here fails on powertools' "No application metrics to publish" warning: a handler decorated with
@metrics.log_metrics must publish on the path the test takes.
"""
import json

import pytest

from tests.integration.test_approval_page_handler import request_expired, submit
from tests.integration.test_double_handler import post
from tests.integration.test_iot_handlers import dispatch, load
from tests.integration.test_queue_handlers import consume, order_message, sqs_record
from tests.support.tokens import new_task_token

pytestmark = pytest.mark.filterwarnings("error:No application metrics to publish:UserWarning")


@pytest.fixture
def queue_callback(service_resources):
    return service_resources("queue-callback")


@pytest.fixture
def third_party(service_resources):
    return service_resources("third-party-api")


@pytest.fixture
def iot(service_resources):
    return service_resources("iot-callback")


# --- approvals: requested, decided, expired; callbacks refused ---------------------------------------------------
def test_when_approval_is_requested_then_approvals_requested_is_counted(approval, metrics_published):
    approval.request()

    assert metrics_published()["ApprovalsRequested"] == 1


def test_when_approve_is_pressed_then_approvals_decided_and_delivered_are_counted(approval, metrics_published):
    _, found = approval.request()
    metrics_published()

    submit(approval, found["approve"])

    published = metrics_published()
    assert (published["ApprovalsDecided"], published["ApprovalDecisionsDelivered"]) == (1, 1)


def test_given_an_expired_request_when_approve_is_pressed_then_approvals_expired_is_counted(
        approval, monkeypatch, metrics_published):
    _, found = request_expired(approval, monkeypatch)
    metrics_published()

    submit(approval, found["approve"])

    assert metrics_published() == {"ApprovalsExpired": 1}


def test_given_the_workflow_timed_out_when_approve_is_pressed_then_callbacks_refused_is_counted(
        approval, metrics_published):
    _, found = approval.request()
    approval.callbacks.refuse_with("TaskTimedOut", "Task Timed Out")
    metrics_published()

    submit(approval, found["approve"])

    assert metrics_published()["CallbacksRefused"] == 1


def test_given_a_tampered_link_when_the_form_is_posted_then_a_refused_link_is_counted(approval, metrics_published):
    _, found = approval.request()
    metrics_published()

    submit(approval, found["approve"], sig="x" * 43)

    assert metrics_published() == {"ApprovalLinksRefused": 1}


def test_given_a_bad_body_when_a_decision_is_posted_then_a_bad_request_is_counted(approval, metrics_published):
    from tests.support.events import approval_event, with_body

    result, _ = approval.request()
    metrics_published()
    event = with_body(approval_event("apigw-post-approval-decision", result["approvalId"]), "not json")

    assert approval.post_decision(event, approval.context("postApprovalDecision"))["statusCode"] == 400
    assert metrics_published() == {"BadRequests": 1}


# --- orders (queue-callback) ---------------------------------------------------------------------------------------
def test_given_a_good_and_a_poison_message_then_each_is_counted(queue_callback, sfn_calls, metrics_published):
    consume(queue_callback, sqs_record(order_message(new_task_token(), {"item": "tea", "quantity": 1}), "good"),
            sqs_record("not json", "poison"))

    assert metrics_published() == {"OrdersPrepared": 1, "PoisonMessages": 1}


def test_given_a_redelivered_message_of_a_settled_task_then_callbacks_refused_is_counted(
        queue_callback, sfn_calls, metrics_published):
    sfn_calls.refuse_with("TaskTimedOut", "Task Timed Out")

    consume(queue_callback, sqs_record(order_message(new_task_token(), {"item": "tea", "quantity": 1})))

    assert metrics_published() == {"CallbacksRefused": 1}


# --- the third party -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("payload, metric", [({"number": 2}, "NumbersDoubled"), ({"number": 500}, "NumbersRefused"),
                                             ({"number": "2"}, "BadRequests")])
def test_each_answer_of_the_double_api_is_counted(third_party, sfn_calls, metrics_published, payload, metric):
    post(third_party, third_party.load("double"), {**payload, "taskToken": new_task_token()})

    assert metrics_published() == {metric: 1}


# --- jobs (iot-callback): dispatched, succeeded; a refused report ------------------------------------------------
@pytest.fixture
def jobs(iot):
    from tests.support.aws import moto_client

    moto_client("stepfunctions").create_state_machine(
        name="waitflows-iot-jobs-dev", definition=iot.stack.state_machine_definition("JobStateMachine"),
        roleArn="arn:aws:iam::123456789012:role/sfn")
    return iot


def test_when_a_job_is_dispatched_and_succeeds_then_both_are_counted(jobs, sfn_calls, metrics_published):
    dispatch(jobs)
    assert metrics_published() == {"JobsDispatched": 1}

    load(jobs, "reportResult")({"jobId": "job-1", "fromTenant": "tenant1", "status": "succeeded", "result": 1},
                               jobs.context("reportResult"))

    assert metrics_published() == {"JobsSucceeded": 1}


def test_given_a_report_with_a_wrong_status_then_a_refused_callback_is_counted(jobs, sfn_calls, metrics_published):
    dispatch(jobs)
    metrics_published()

    answer = load(jobs, "reportResult")({"jobId": "job-1", "fromTenant": "tenant1", "status": "done"},
                                        jobs.context("reportResult"))

    assert answer == {"outcome": "refused"}
    assert metrics_published() == {"CallbacksRefused": 1}


def test_an_emf_document_names_the_namespace_and_the_service_dimension(queue_callback, sfn_calls, capsys):
    # The service's name is POWERTOOLS_SERVICE_NAME when lambda_shared is first imported: one per container on
    # Lambda, the tests' own here.
    consume(queue_callback, sqs_record(order_message(new_task_token(), {"item": "tea", "quantity": 1})))

    (document,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "waitflows" and directive["Dimensions"] == [["service"]]
    assert document["service"]
