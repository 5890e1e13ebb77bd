"""The HMAC key that signs approval links lives in Secrets Manager (generated at deploy, never in the repo).

Read through powertools' parameters utility, which keeps the value for MAX_AGE_SECONDS: a warm container does not
call Secrets Manager on every click, and a rotated key reaches running containers within that time instead of
only in new ones.
"""
from functools import cached_property

from aws_lambda_powertools.utilities.parameters import SecretsProvider

from lambda_shared import aws

MAX_AGE_SECONDS = 300


class LinkKeyTooShort(RuntimeError):
    pass


class LinkKey:
    def __init__(self, secret_id: str, secretsmanager=None):
        self._secret_id = secret_id
        self._secretsmanager = secretsmanager

    @cached_property
    def _secrets(self) -> SecretsProvider:
        # Its own provider, not parameters.get_secret()'s module-wide one: the cache belongs to this adapter.
        return SecretsProvider(boto3_client=self._secretsmanager or aws.client("secretsmanager"))

    @property
    def value(self) -> bytes:
        secret = self._secrets.get(self._secret_id, max_age=MAX_AGE_SECONDS)
        if len(secret) < 32:
            raise LinkKeyTooShort("the approval link key is too short to be a safe HMAC key")
        return secret.encode()
