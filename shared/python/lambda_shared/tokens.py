"""Task tokens are bearer credentials: anyone holding one can end a workflow step. They never reach a log line;
a short fingerprint is enough to correlate log lines of the same task."""
import hashlib


def token_fingerprint(task_token: str) -> str:
    return hashlib.sha256(task_token.encode()).hexdigest()[:12]
