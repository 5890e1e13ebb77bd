"""The life of one pending approval: created with an unguessable id, expiring, decided once."""
import pytest

from approval.logic.approvals import (APPROVED, REJECTED, ApprovalRequest, PendingApproval, decision_for,
                                      new_approval_id, new_pending_approval)

REQUEST = ApprovalRequest(x=125, y=122, sum=247, doubled=494)


def pending(now=1_000, timeout=60, **changes) -> PendingApproval:
    approval = new_pending_approval("token", "arn:exec", REQUEST, now=now, timeout_seconds=timeout)
    return approval if not changes else PendingApproval(**{**approval.__dict__, **changes})


def test_when_many_ids_are_made_then_all_differ_and_each_carries_at_least_128_bits():
    ids = [new_approval_id() for _ in range(2000)]

    assert len(set(ids)) == len(ids)
    assert all(len(i) >= 22 for i in ids)  # 16 random bytes in url-safe base64
    assert all(set(i) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") for i in ids)


def test_when_ids_are_made_then_they_do_not_follow_from_one_another():
    first, second = new_approval_id(), new_approval_id()

    assert first[:8] != second[:8] and first[-8:] != second[-8:]


def test_given_a_timeout_when_an_approval_is_created_then_it_expires_that_many_seconds_later():
    approval = pending(now=1_000, timeout=3600)

    assert approval.created_at == 1_000
    assert approval.expires_at == 4_600
    assert approval.decision is None and approval.decided_at is None


def test_given_a_pending_approval_when_time_reaches_its_expiry_then_it_is_expired():
    approval = pending(now=1_000, timeout=60)

    assert not approval.is_expired(1_059)
    assert approval.is_expired(1_060)
    assert approval.is_expired(99_999)


def test_given_a_decided_approval_when_its_expiry_passes_then_it_is_not_expired():
    approval = pending(now=1_000, timeout=60, decision=APPROVED, decided_at=1_010)

    assert not approval.is_expired(99_999)


@pytest.mark.parametrize("token, timeout, message", [("", 60, "task token"), ("t", 0, "positive"),
                                                     ("t", -5, "positive")])
def test_given_no_token_or_no_timeout_when_an_approval_is_created_then_it_is_refused(token, timeout, message):
    with pytest.raises(ValueError, match=message):
        new_pending_approval(token, "arn", REQUEST, now=0, timeout_seconds=timeout)


def test_when_actions_are_turned_into_decisions_then_approve_is_approved_and_reject_is_rejected():
    assert decision_for("approve") == APPROVED == "approved"
    assert decision_for("reject") == REJECTED == "rejected"


@pytest.mark.parametrize("action", ["", "approved", "APPROVE", "delete"])
def test_given_an_unknown_action_when_it_is_turned_into_a_decision_then_value_error(action):
    with pytest.raises(ValueError, match="approve or reject"):
        decision_for(action)


def test_given_a_payload_without_some_numbers_when_a_request_is_read_then_the_missing_ones_are_named():
    with pytest.raises(ValueError, match="sum, doubled"):
        ApprovalRequest.from_payload({"x": 1, "y": 2})


def test_given_a_full_payload_when_a_request_is_read_then_extra_keys_are_ignored():
    assert ApprovalRequest.from_payload({"x": 1, "y": 2, "sum": 3, "doubled": 6, "other": 0}) == \
        ApprovalRequest(1, 2, 3, 6)


def test_waiting_since_reads_the_state_entered_time():
    from datetime import datetime, timezone

    from approval.logic.approvals import ApprovalRequest, new_pending_approval, waiting_since
    entered_at = datetime(2027, 1, 15, 8, 0, 0, 250000, tzinfo=timezone.utc)
    now = int(entered_at.timestamp()) + 4            # the Lambda ran 4 s after the state was entered
    since = waiting_since(entered_at.isoformat(), now)
    approval = new_pending_approval("token", "arn", ApprovalRequest(1, 2, 3, 6), now, 30, waiting_since=since)
    assert since == int(entered_at.timestamp())
    assert approval.expires_at == int(entered_at.timestamp()) + 30
    assert waiting_since(entered_at.isoformat().replace("+00:00", "Z"), now) == since
    assert waiting_since(None, now) == now


def test_waiting_since_refuses_garbage():
    import pytest

    from approval.logic.approvals import waiting_since
    with pytest.raises(ValueError):
        waiting_since("yesterday", 0)
