"""The approval email: both links, the numbers, never the task token; its HTML escapes what it shows."""
from approval.logic.approvals import ApprovalRequest, new_pending_approval
from approval.logic.emails import approval_email

TOKEN = "AAAAKgEXAMPLETASKTOKEN-secret-token-value"
APPROVE = "https://api.example.com/dev/approvals/abc?action=approve&sig=AAA"
REJECT = "https://api.example.com/dev/approvals/abc?action=reject&sig=BBB"


def email_for(request=ApprovalRequest(125, 122, 247, 494), token=TOKEN):
    approval = new_pending_approval(token, "arn:aws:states:us-east-1:123456789012:execution:wf:run-1", request,
                                    now=0, timeout_seconds=60)
    return approval, approval_email(approval, approve_url=APPROVE, reject_url=REJECT)


def test_when_an_email_is_made_then_no_part_of_it_holds_the_task_token():
    _, email = email_for()

    for part in (email.subject, email.text, email.html):
        assert TOKEN not in part
        assert "EXAMPLETASKTOKEN" not in part


def test_when_an_email_is_made_then_its_text_holds_both_links():
    _, email = email_for()

    assert f"Approve: {APPROVE}" in email.text
    assert REJECT in email.text


def test_when_an_email_is_made_then_its_html_links_both_actions_with_escaped_urls():
    _, email = email_for()

    assert f'<a href="{APPROVE.replace("&", "&amp;")}">Approve</a>' in email.html
    assert f'<a href="{REJECT.replace("&", "&amp;")}">Reject</a>' in email.html


def test_when_an_email_is_made_then_it_shows_the_numbers_and_names_the_request():
    approval, email = email_for()

    assert "494" in email.subject
    assert "x = 125, y = 122, sum = 247, doubled = 494" in email.text
    assert approval.approval_id in email.text and approval.approval_id in email.html


def test_given_markup_in_the_values_when_an_email_is_made_then_the_html_escapes_it():
    _, email = email_for(ApprovalRequest("<script>alert(1)</script>", "a&b", 0, '"q"'))

    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html
    assert "a&amp;b" in email.html
