"""The pages behind the links: GET renders a confirm form and decides nothing; every value shown is escaped."""
from dataclasses import replace

from approval.logic import pages
from approval.logic.approvals import ApprovalRequest, new_pending_approval

APPROVAL = new_pending_approval("secret-token", "arn:exec", ApprovalRequest(125, 122, 247, 494), now=0,
                                timeout_seconds=60)


def test_when_the_confirm_page_is_rendered_then_it_holds_a_post_form_with_the_action_and_signature():
    page = pages.confirm_page(APPROVAL, "approve", "SIG123", form_action=APPROVAL.approval_id)

    assert f'<form method="post" action="{APPROVAL.approval_id}">' in page
    assert '<input type="hidden" name="action" value="approve">' in page
    assert '<input type="hidden" name="sig" value="SIG123">' in page
    assert '<button type="submit" class="approve" id="decide">Approve</button>' in page


def test_when_the_confirm_page_is_rendered_then_it_shows_the_numbers_and_no_decision():
    page = pages.confirm_page(APPROVAL, "reject", "S", form_action="x")

    assert "Reject this request?" in page
    for value in ("125", "122", "247", "494"):
        assert f"<b>{value}</b>" in page
    assert 'id="decision"' not in page and "approved" not in page and "rejected" not in page
    assert "secret-token" not in page


def test_given_markup_in_the_values_when_the_confirm_page_is_rendered_then_it_is_escaped():
    approval = replace(APPROVAL, request=ApprovalRequest("<img src=x onerror=alert(1)>", 1, 2, 3))

    page = pages.confirm_page(approval, "approve", '"><script>', form_action='"><b>')

    assert "<img" not in page and "<script>" not in page and '"><b>' not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert 'value="&quot;&gt;&lt;script&gt;"' in page


def test_given_a_decision_made_now_when_the_decided_page_is_rendered_then_it_says_it_was_recorded():
    page = pages.decided_page(replace(APPROVAL, decision="approved", decided_at=5), just_now=True)

    assert "Your decision was recorded" in page
    assert '<p id="decision">Your decision was recorded: <b>approved</b>.</p>' in page
    assert "<form" not in page


def test_given_an_earlier_decision_when_the_decided_page_is_rendered_then_it_says_already_decided():
    page = pages.decided_page(replace(APPROVAL, decision="rejected", decided_at=5), just_now=False)

    assert "This request was already decided: <b>rejected</b>" in page


def test_given_a_callback_error_when_the_decided_page_is_rendered_then_it_explains_it_escaped():
    approval = replace(APPROVAL, decision="approved", callback_error="TaskTimedOut: <late>")

    page = pages.decided_page(approval, just_now=True)

    assert "The workflow no longer waits for this decision (TaskTimedOut: &lt;late&gt;)" in page


def test_given_markup_in_a_message_when_the_error_page_is_rendered_then_it_is_escaped():
    page = pages.error_page("Bad <title>", "no <b>such</b> request")

    assert "<title>Bad &lt;title&gt;</title>" in page
    assert '<p id="error">no &lt;b&gt;such&lt;/b&gt; request</p>' in page
