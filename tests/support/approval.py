"""The approval service as the integration tests drive it: handlers loaded from serverless.yml, its table, its email."""
import html
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

import boto3

from tests.support.aws import REGION, ServiceResources, StepFunctionsCalls, moto_client, sent_emails
from tests.support.events import load_event
from tests.support.tokens import new_task_token


@dataclass(frozen=True)
class Link:
    url: str
    approval_id: str
    action: str
    sig: str

    @classmethod
    def parse(cls, url: str) -> "Link":
        parsed = urlparse(url)
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        return cls(url, parsed.path.rstrip("/").rsplit("/", 1)[-1], query["action"], query["sig"])


def email_links(message) -> dict[str, Link]:
    """The links of an approval email (its HTML part, as moto keeps it), by action."""
    links = [Link.parse(html.unescape(href)) for href in re.findall(r'href="([^"]+)"', message.body)]
    return {link.action: link for link in links}


class ApprovalService:
    """The approval service under test: its handlers, its table and the email it sent."""

    def __init__(self, resources: ServiceResources, callbacks: StepFunctionsCalls):
        self.resources = resources
        self.callbacks = callbacks
        self.request_approval = resources.load("requestApproval")
        self.show = resources.load("showApproval")
        self.submit = resources.load("submitApproval")
        self.get_status = resources.load("getApprovalStatus")
        self.post_decision = resources.load("postApprovalDecision")
        self.environment = resources.environment("requestApproval")
        self.table = boto3.resource("dynamodb", region_name=REGION).Table(self.environment["APPROVALS_TABLE"])

    def context(self, key: str = "requestApproval"):
        return self.resources.context(key)

    def link_key(self) -> bytes:
        secret = moto_client("secretsmanager").get_secret_value(SecretId=self.environment["LINK_KEY_SECRET_ID"])
        return secret["SecretString"].encode()

    def request(self, **payload) -> tuple[dict, dict[str, Link]]:
        """Run the Approval task as the state machine does; return its result and the emailed links."""
        event = load_event("sfn-request-approval", **{"taskToken": new_task_token(), **payload})
        result = self.request_approval(event, self.context())
        return result, email_links(sent_emails()[-1])

    def item(self, approval_id: str) -> dict | None:
        return self.table.get_item(Key={"approvalId": approval_id}, ConsistentRead=True).get("Item")
