"""The growing wait of the snapshot poller, and snapshot names (plain logic)."""
import pytest

from rds_snapshot.logic import polling
from rds_snapshot.logic.snapshots import InvalidRequest, instance_identifier, snapshot_identifier


def waits(policy: polling.PollPolicy, count: int) -> list[int]:
    poll, seen = polling.first_poll(policy), []
    for _ in range(count):
        seen.append(poll["waitSeconds"])
        poll = polling.next_poll(poll)
    return seen


def test_wait_doubles_up_to_the_cap():
    assert waits(polling.PollPolicy(1, 2, 16, 1000), 8) == [1, 2, 4, 8, 16, 16, 16, 16]


def test_fixed_policy_never_grows():
    assert waits(polling.PollPolicy(60, 1, 60, 100000), 4) == [60, 60, 60, 60]


def test_last_wait_stops_at_the_maximum_total_wait():
    # The state machine's Choice ends the loop once waitedSeconds reaches maxWaitSeconds (SnapshotTimedOut).
    poll = polling.first_poll(polling.PollPolicy(4, 2, 16, 10))
    poll = polling.next_poll(poll)                  # waited 4, next would be 8 but only 6 remain
    assert (poll["waitedSeconds"], poll["waitSeconds"]) == (4, 6)
    poll = polling.next_poll(poll)
    assert poll["waitedSeconds"] == poll["maxWaitSeconds"] == 10


def test_policy_refuses_a_cap_below_the_first_wait():
    with pytest.raises(ValueError):
        polling.PollPolicy(10, 2, 5, 100)


def test_snapshot_name_is_stable_per_execution_and_valid():
    name = snapshot_identifier("orders-db", "6f1c-uuid")
    assert name == snapshot_identifier("orders-db", "6f1c-uuid") != snapshot_identifier("orders-db", "other")
    assert name.startswith("orders-db-snapshot-") and "--" not in name


@pytest.mark.parametrize("request_body", [{}, {"dbInstanceIdentifier": 1}, {"dbInstanceIdentifier": "a--b"},
                                          {"dbInstanceIdentifier": "1db"}])
def test_invalid_instance_identifier_is_refused(request_body):
    with pytest.raises(InvalidRequest):
        instance_identifier(request_body)
