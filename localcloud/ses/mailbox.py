"""The local mailbox: every email the services sent through SES, in LocalStack's /_aws/ses format.

moto keeps one body part per message; the edge hands us each SendEmail request moto accepted, so the inbox shows
the text and the HTML part exactly as sent.
"""
import threading
from datetime import datetime, timezone
from urllib.parse import parse_qs


class SesInbox:
    def __init__(self):
        self._messages: list[dict] = []
        self._lock = threading.Lock()

    def record_send_email(self, form_body: bytes, message_id: str) -> None:
        form = {k: v[0] for k, v in parse_qs(form_body.decode("utf-8", errors="replace")).items()}
        destination = {
            kind: [v for k, v in sorted(form.items()) if k.startswith(f"Destination.{kind}Addresses.member.")]
            for kind in ("To", "Cc", "Bcc")
        }
        message = {
            "Id": message_id,
            "Region": form.get("_region", "us-east-1"),
            "Source": form.get("Source", ""),
            "Destination": {f"{k}Addresses": v for k, v in destination.items() if v},
            "Subject": form.get("Message.Subject.Data", ""),
            "Body": {"text_part": form.get("Message.Body.Text.Data"), "html_part": form.get("Message.Body.Html.Data")},
            "Timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        }
        with self._lock:
            self._messages.append(message)

    def messages(self, message_id: str | None = None, recipient: str | None = None) -> list[dict]:
        with self._lock:
            found = list(self._messages)
        if message_id:
            found = [m for m in found if m["Id"] == message_id]
        if recipient:
            found = [m for m in found if any(recipient in addresses for addresses in m["Destination"].values())]
        return found

    def clear(self, message_id: str | None = None) -> None:
        with self._lock:
            self._messages = [m for m in self._messages if message_id and m["Id"] != message_id]
