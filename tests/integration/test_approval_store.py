"""ApprovalStore against the DynamoDB table serverless.yml declares: conditional writes make decisions happen once."""
import pytest
from botocore.exceptions import ClientError

from approval.adapters.store import AlreadyDecided, ApprovalStore
from approval.logic.approvals import ApprovalRequest, new_pending_approval
from tests.support.tokens import new_task_token

NOW = 1_700_000_000


@pytest.fixture
def store(service_resources):
    table = service_resources("approval").environment("requestApproval")["APPROVALS_TABLE"]
    return ApprovalStore(table)


def add(store, request=ApprovalRequest(125, 122, 247, 494), timeout=60):
    approval = new_pending_approval(new_task_token(), "arn:exec", request, now=NOW, timeout_seconds=timeout)
    store.add(approval)
    return approval


def test_given_an_added_approval_when_it_is_read_then_it_comes_back_unchanged(store):
    approval = add(store, ApprovalRequest(1.5, -2, -0.5, -1.0))

    assert store.get(approval.approval_id) == approval


def test_given_no_such_id_when_it_is_read_then_none(store):
    assert store.get("no-such-id") is None


def test_given_an_existing_id_when_it_is_added_again_then_the_write_is_refused(store):
    approval = add(store)

    with pytest.raises(ClientError, match="ConditionalCheckFailed"):
        store.add(approval)


def test_given_a_pending_approval_when_a_decision_is_recorded_then_it_is_stored_once(store):
    approval = add(store)

    store.record_decision(approval.approval_id, "approved", NOW + 5)

    stored = store.get(approval.approval_id)
    assert (stored.decision, stored.decided_at) == ("approved", NOW + 5)
    with pytest.raises(AlreadyDecided):
        store.record_decision(approval.approval_id, "rejected", NOW + 6)
    assert store.get(approval.approval_id).decision == "approved"


@pytest.mark.parametrize("now", [NOW + 60, NOW + 3600])
def test_given_an_expired_approval_when_a_decision_is_recorded_then_it_is_refused(store, now):
    approval = add(store, timeout=60)

    with pytest.raises(AlreadyDecided):
        store.record_decision(approval.approval_id, "approved", now)

    assert store.get(approval.approval_id).decision is None


def test_given_an_unknown_id_when_a_decision_is_recorded_then_it_is_refused_and_nothing_is_created(store):
    with pytest.raises(AlreadyDecided):
        store.record_decision("no-such-id", "approved", NOW)

    assert store.get("no-such-id") is None


def test_given_a_long_callback_error_when_it_is_recorded_then_it_is_cut_to_500_characters(store):
    approval = add(store)

    store.record_callback_error(approval.approval_id, "TaskTimedOut: " + "x" * 1000)

    assert len(store.get(approval.approval_id).callback_error) == 500
