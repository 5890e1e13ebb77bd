"""Task tokens for tests. Every one carries TOKEN_MARKER, so a log check can find any token that leaked."""
import secrets

TOKEN_MARKER = "EXAMPLETASKTOKEN"


def new_task_token() -> str:
    # Shaped like a real token (long, base64-ish) so length limits and encodings are exercised.
    return f"AAAAKgAAAAIAAAAA{TOKEN_MARKER}{secrets.token_urlsafe(96)}"
