"""Signed approval links: a signature per (id, action); any change to id, action or signature is refused."""
from urllib.parse import parse_qs, urlparse

import pytest

from approval.logic import links

KEY = b"k" * 64
APPROVAL_ID = "Zm9vYmFyYmF6cXV4MTIzNA"


def test_given_one_request_when_both_actions_are_signed_then_the_signatures_differ():
    assert links.signature(KEY, APPROVAL_ID, "approve") != links.signature(KEY, APPROVAL_ID, "reject")


def test_given_a_signature_when_it_is_checked_for_its_own_id_and_action_then_it_is_valid():
    sig = links.signature(KEY, APPROVAL_ID, "approve")

    assert links.is_valid(KEY, APPROVAL_ID, "approve", sig)


def test_given_an_approve_signature_when_it_is_used_to_reject_then_it_is_refused():
    approve_sig = links.signature(KEY, APPROVAL_ID, "approve")

    assert not links.is_valid(KEY, APPROVAL_ID, "reject", approve_sig)


@pytest.mark.parametrize("approval_id, action, change_sig", [
    (APPROVAL_ID + "x", "approve", False),
    (APPROVAL_ID[:-1], "approve", False),
    ("Zm9vYmFyYmF6cXV4MTIzNa", "approve", False),
    (APPROVAL_ID, "reject", False),
    (APPROVAL_ID, "Approve", False),
    (APPROVAL_ID, "approve", True),
])
def test_given_a_tampered_link_when_it_is_checked_then_it_is_refused(approval_id, action, change_sig):
    sig = links.signature(KEY, APPROVAL_ID, "approve")
    if change_sig:
        sig = ("A" if sig[0] != "A" else "B") + sig[1:]

    assert not links.is_valid(KEY, approval_id, action, sig)


def test_given_another_key_when_a_signature_is_checked_then_it_is_refused():
    sig = links.signature(b"other" * 13, APPROVAL_ID, "approve")

    assert not links.is_valid(KEY, APPROVAL_ID, "approve", sig)


@pytest.mark.parametrize("candidate", ["", "é" * 43, "\ud800", "=" * 43, " " + "A" * 42])
def test_given_a_malformed_signature_when_it_is_checked_then_it_is_refused_without_error(candidate):
    assert links.is_valid(KEY, APPROVAL_ID, "approve", candidate) is False


def test_given_an_unknown_action_when_it_is_signed_then_invalid_action_is_raised():
    with pytest.raises(links.InvalidAction, match="delete"):
        links.signature(KEY, APPROVAL_ID, "delete")


def test_given_an_unknown_action_when_a_link_is_checked_then_it_is_refused():
    assert not links.is_valid(KEY, APPROVAL_ID, "delete", links.signature(KEY, APPROVAL_ID, "approve"))


def test_when_a_signature_is_made_then_it_is_url_safe_and_carries_256_bits():
    sig = links.signature(KEY, APPROVAL_ID, "reject")

    assert len(sig) == 43
    assert set(sig) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_given_a_base_url_when_a_decision_link_is_made_then_it_names_the_page_the_action_and_its_signature():
    url = links.decision_link("https://api.example.com/dev/", KEY, APPROVAL_ID, "approve")

    parsed = urlparse(url)
    assert f"{parsed.scheme}://{parsed.netloc}{parsed.path}" == f"https://api.example.com/dev/approvals/{APPROVAL_ID}"
    assert parse_qs(parsed.query) == {"action": ["approve"], "sig": [links.signature(KEY, APPROVAL_ID, "approve")]}
