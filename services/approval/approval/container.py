"""Settings and adapters of the approval service, checked and built once per container."""
from approval.adapters.link_key import LinkKey
from approval.adapters.mailer import Mailer
from approval.adapters.store import ApprovalStore
from lambda_shared import settings
from lambda_shared.task_callbacks import TaskCallbacks

TABLE_NAME = settings.required("APPROVALS_TABLE")
LINK_KEY_SECRET = settings.required("LINK_KEY_SECRET_ID")
SENDER_EMAIL = settings.required("SENDER_EMAIL")
APPROVER_EMAIL = settings.required("APPROVER_EMAIL")
BASE_URL = settings.required_url("APPROVAL_BASE_URL")

store = ApprovalStore(TABLE_NAME)
mailer = Mailer(SENDER_EMAIL)
callbacks = TaskCallbacks()
_link_key = LinkKey(LINK_KEY_SECRET)


def link_key() -> bytes:
    return _link_key.value
