"""The HMAC key that signs approval links lives in Secrets Manager (generated at deploy, never in the repo)."""
from functools import cached_property

from lambda_shared import aws


class LinkKey:
    def __init__(self, secret_id: str, secretsmanager=None):
        self._secret_id = secret_id
        self._secretsmanager = secretsmanager

    @cached_property
    def value(self) -> bytes:
        # Read once per container: the key changes only when the secret is rotated, and a new container follows.
        client = self._secretsmanager or aws.client("secretsmanager")
        secret = client.get_secret_value(SecretId=self._secret_id)["SecretString"]
        if len(secret) < 32:
            raise RuntimeError("the approval link key is too short to be a safe HMAC key")
        return secret.encode()
