"""The approval use cases with fake adapters: request, open a link, decide once."""
import pytest
from botocore.exceptions import EndpointConnectionError

from approval import flows
from approval.adapters.store import AlreadyDecided
from approval.logic import links
from approval.logic.approvals import APPROVED, REJECTED
from tests.support.fakes import FakeCallbacks, FakeMailer, FakeStore, client_error

KEY = b"unit-test-link-key-" * 4
BASE_URL = "https://api.example.com/dev"
NOW = 1_700_000_000
TOKEN = "AAAAKgEXAMPLETASKTOKEN-unit"
PAYLOAD = {"taskToken": TOKEN, "executionArn": "arn:exec", "timeoutSeconds": 3600,
           "request": {"x": 125, "y": 122, "sum": 247, "doubled": 494}}


@pytest.fixture
def store():
    return FakeStore()


def request(store, mailer=None, now=NOW, **payload):
    return flows.request_approval({**PAYLOAD, **payload}, store=store, mailer=mailer or FakeMailer(), link_key=KEY,
                                  base_url=BASE_URL, approver="approver@example.com", now=now)


def decide(store, approval_id, action, callbacks, now=NOW + 10, sig=None):
    sig = links.signature(KEY, approval_id, action) if sig is None else sig
    return flows.decide(approval_id, action, sig, store=store, link_key=KEY, callbacks=callbacks, now=now)


# --- request_approval ----------------------------------------------------------------------------------------------

def test_given_a_payload_when_approval_is_requested_then_it_is_stored_and_the_approver_is_emailed(store):
    mailer = FakeMailer()

    result = request(store, mailer)

    stored = store.items[result["approvalId"]]
    assert stored.task_token == TOKEN and stored.expires_at == NOW + 3600 == result["expiresAt"]
    ((to, email),) = mailer.sent
    assert to == "approver@example.com"
    assert links.decision_link(BASE_URL, KEY, result["approvalId"], "approve") in email.text
    assert links.decision_link(BASE_URL, KEY, result["approvalId"], "reject") in email.text
    assert TOKEN not in email.text + email.html + email.subject


def test_given_ses_refuses_when_approval_is_requested_then_email_not_sent_carries_the_cause(store):
    mailer = FakeMailer(client_error("MessageRejected", "Email address is not verified."))

    with pytest.raises(flows.EmailNotSent) as raised:
        request(store, mailer)

    assert str(raised.value) == ("could not email approver@example.com: MessageRejected: "
                                 "Email address is not verified.")


@pytest.mark.parametrize("payload", [{"request": None}, {"request": {"x": 1}}, {"taskToken": ""},
                                     {"timeoutSeconds": "x"}, {"timeoutSeconds": None}])
def test_given_an_invalid_payload_when_approval_is_requested_then_value_error_and_nothing_stored(store, payload):
    with pytest.raises(ValueError, match="invalid approval request"):
        request(store, **payload)

    assert store.items == {}


# --- decide --------------------------------------------------------------------------------------------------------

def test_given_a_pending_request_when_it_is_approved_then_it_is_decided_and_the_task_succeeds(store):
    approval_id = request(store)["approvalId"]
    callbacks = FakeCallbacks()

    decided, just_now = decide(store, approval_id, "approve", callbacks)

    assert just_now is True
    assert decided.decision == APPROVED and decided.decided_at == NOW + 10
    assert store.items[approval_id].decision == APPROVED
    assert callbacks.succeeded == [(TOKEN, {"decision": "approved", "approvalId": approval_id,
                                            "decidedAt": NOW + 10})]
    assert callbacks.failed == []


def test_given_a_pending_request_when_it_is_rejected_then_the_task_fails_with_rejected(store):
    approval_id = request(store)["approvalId"]
    callbacks = FakeCallbacks()

    decided, _ = decide(store, approval_id, "reject", callbacks)

    assert decided.decision == REJECTED
    ((token, error, cause),) = callbacks.failed
    assert (token, error) == (TOKEN, "Rejected") and approval_id in cause
    assert callbacks.succeeded == []


@pytest.mark.parametrize("second_action", ["approve", "reject"])
def test_given_a_decided_request_when_it_is_decided_again_then_just_now_is_false_and_nobody_is_called(
        store, second_action):
    approval_id = request(store)["approvalId"]
    callbacks = FakeCallbacks()
    decide(store, approval_id, "approve", callbacks)

    again, just_now = decide(store, approval_id, second_action, callbacks, now=NOW + 20)

    assert just_now is False
    assert again.decision == APPROVED and again.decided_at == NOW + 10
    assert callbacks.calls == 1
    assert store.decision_writes == 1


def test_given_an_expired_request_when_it_is_decided_then_410_and_no_callback(store):
    approval_id = request(store)["approvalId"]
    callbacks = FakeCallbacks()

    with pytest.raises(flows.LinkRejected) as raised:
        decide(store, approval_id, "approve", callbacks, now=NOW + 3600)

    assert raised.value.status == 410
    assert callbacks.calls == 0
    assert store.items[approval_id].decision is None


@pytest.mark.parametrize("tamper", ["id", "action", "sig"])
def test_given_a_tampered_link_when_it_is_decided_then_403_and_the_store_is_never_read(store, tamper):
    approval_id = request(store)["approvalId"]
    sig = links.signature(KEY, approval_id, "approve")
    approval_id, action, sig = {
        "id": (approval_id + "x", "approve", sig),
        "action": (approval_id, "reject", sig),
        "sig": (approval_id, "approve", sig[:-1] + ("A" if sig[-1] != "A" else "B")),
    }[tamper]
    callbacks = FakeCallbacks()

    with pytest.raises(flows.LinkRejected) as raised:
        decide(store, approval_id, action, callbacks, sig=sig)

    assert raised.value.status == 403
    assert store.reads == 0
    assert callbacks.calls == 0


def test_given_an_invalid_action_when_a_link_is_opened_then_400_and_the_store_is_never_read(store):
    with pytest.raises(flows.LinkRejected) as raised:
        flows.open_link("abc", "delete", "sig", store=store, link_key=KEY)

    assert raised.value.status == 400 and store.reads == 0


def test_given_a_valid_signature_for_an_unknown_id_when_it_is_decided_then_404(store):
    callbacks = FakeCallbacks()

    with pytest.raises(flows.LinkRejected) as raised:
        decide(store, "unknown-id", "approve", callbacks)

    assert raised.value.status == 404
    assert callbacks.calls == 0


def test_given_the_task_timed_out_when_it_is_approved_then_the_error_is_recorded_and_the_decision_stands(store):
    approval_id = request(store)["approvalId"]
    callbacks = FakeCallbacks(client_error("TaskTimedOut", "Task Timed Out", "SendTaskSuccess"))

    decided, just_now = decide(store, approval_id, "approve", callbacks)

    assert just_now is True
    assert decided.decision == APPROVED
    assert decided.callback_error == "TaskTimedOut: Task Timed Out"
    assert store.items[approval_id].callback_error == "TaskTimedOut: Task Timed Out"
    assert store.items[approval_id].decision == APPROVED


@pytest.mark.parametrize("transient", [client_error("ThrottlingException", "Rate exceeded", "SendTaskSuccess"),
                                       client_error("ServiceUnavailable", "try again", "SendTaskSuccess"),
                                       EndpointConnectionError(endpoint_url="https://states.us-east-1.amazonaws.com")])
def test_given_a_transient_callback_error_when_it_is_approved_then_the_decision_waits_for_the_next_click(
        store, transient):
    approval_id = request(store)["approvalId"]

    with pytest.raises(flows.NotDeliveredYet) as raised:
        decide(store, approval_id, "approve", FakeCallbacks(transient))

    recorded = store.items[approval_id]
    assert raised.value.approval.decision == APPROVED
    assert (recorded.decision, recorded.delivered_at, recorded.callback_error) == (APPROVED, None, None)
    assert recorded.awaits_delivery


def test_given_a_decision_not_delivered_when_either_link_is_pressed_again_then_the_recorded_one_is_delivered(store):
    approval_id = request(store)["approvalId"]
    with pytest.raises(flows.NotDeliveredYet):
        decide(store, approval_id, "approve", FakeCallbacks(client_error("ThrottlingException", "Rate exceeded")))
    callbacks = FakeCallbacks()

    decided, just_now = decide(store, approval_id, "reject", callbacks, now=NOW + 20)

    assert just_now is False and decided.decision == APPROVED
    assert callbacks.succeeded == [(TOKEN, {"decision": APPROVED, "approvalId": approval_id, "decidedAt": NOW + 10})]
    assert callbacks.failed == []
    assert store.items[approval_id].delivered_at == NOW + 20
    assert store.decision_writes == 1


def test_given_a_delivered_decision_when_a_link_is_pressed_again_then_nobody_is_called_back(store):
    approval_id = request(store)["approvalId"]
    decide(store, approval_id, "approve", FakeCallbacks())
    callbacks = FakeCallbacks()

    decided, just_now = decide(store, approval_id, "approve", callbacks)

    assert just_now is False and decided.delivered_at == NOW + 10
    assert callbacks.calls == 0


def test_given_someone_decided_between_read_and_write_when_it_is_decided_then_their_decision_is_returned(store):
    approval_id = request(store)["approvalId"]
    first_read = store.get

    def read_then_lose_the_race(approval_id_):
        approval = first_read(approval_id_)
        if store.reads == 1:  # the other click lands right after our read
            store.record_decision(approval_id_, REJECTED, NOW + 5)
        return approval

    store.get = read_then_lose_the_race
    callbacks = FakeCallbacks()

    decided, just_now = decide(store, approval_id, "approve", callbacks)

    assert just_now is False
    assert decided.decision == REJECTED
    assert callbacks.calls == 0


# --- status --------------------------------------------------------------------------------------------------------

def test_given_each_state_when_the_status_is_made_then_it_says_pending_expired_or_the_decision(store):
    approval_id = request(store)["approvalId"]
    approval = store.items[approval_id]

    assert flows.status(approval, NOW)["status"] == "pending"
    assert flows.status(approval, NOW + 3600)["status"] == "expired"
    decide(store, approval_id, "reject", FakeCallbacks())
    assert flows.status(store.items[approval_id], NOW + 9999)["status"] == "rejected"
    assert flows.status(approval, NOW)["request"] == {"x": 125, "y": 122, "sum": 247, "doubled": 494}
    assert "taskToken" not in str(flows.status(approval, NOW)) and TOKEN not in str(flows.status(approval, NOW))


def test_given_the_request_expired_between_read_and_write_when_it_is_decided_then_410_and_no_callback(store):
    approval_id = request(store)["approvalId"]

    def expired_meanwhile(*_):
        raise AlreadyDecided(approval_id)

    store.record_decision = expired_meanwhile
    callbacks = FakeCallbacks()

    with pytest.raises(flows.LinkRejected) as raised:
        decide(store, approval_id, "approve", callbacks)

    assert raised.value.status == 410
    assert callbacks.calls == 0


def test_given_an_expired_request_when_it_is_decided_then_410_comes_before_any_write(store):
    approval_id = request(store)["approvalId"]
    writes = []
    store.record_decision = lambda *args: writes.append(args)   # a store that would accept a late write
    callbacks = FakeCallbacks()

    with pytest.raises(flows.LinkRejected) as raised:
        decide(store, approval_id, "approve", callbacks, now=NOW + 3600)

    assert raised.value.status == 410
    assert writes == [] and callbacks.calls == 0
