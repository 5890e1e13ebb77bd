"""Sending email through SES."""
from approval.logic.emails import Email
from lambda_shared import aws


class Mailer:
    def __init__(self, sender: str, ses=None):
        self._sender = sender
        self._ses = ses

    def send(self, to: str, email: Email) -> str:
        response = (self._ses or aws.client("ses")).send_email(
            Source=self._sender,
            Destination={"ToAddresses": [to]},
            Message={
                "Subject": {"Data": email.subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": email.text, "Charset": "UTF-8"},
                         "Html": {"Data": email.html, "Charset": "UTF-8"}},
            },
        )
        return response["MessageId"]
