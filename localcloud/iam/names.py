"""Names a request cannot turn into an ARN by itself: the local cloud's own state has the answer.

A secret is named by name or partial ARN, but AWS evaluates policies on its complete ARN, which ends in a random
six-character suffix only Secrets Manager knows. An email is sent from an address, but SES authorizes the verified
identity it belongs to: the address itself, or the domain when only the domain is verified.
"""
from __future__ import annotations

from typing import Protocol


class NameLookup(Protocol):
    def secret_arn(self, secret_id: str) -> str:
        """The complete ARN of the secret a SecretId (name, partial or complete ARN) names."""

    def ses_identity(self, address: str) -> str:
        """The SES identity ("a@example.com" or "example.com") that sending from `address` is authorized on."""


class MotoNames:
    """NameLookup over moto's in-process backends, for one account and region; unknown names stay as given."""

    def __init__(self, *, account: str, region: str):
        self._account, self._region = account, region

    def secret_arn(self, secret_id: str) -> str:
        from moto.secretsmanager.models import secretsmanager_backends

        secret = secretsmanager_backends[self._account][self._region].secrets.get(secret_id)
        return secret.arn if secret is not None else secret_id

    def ses_identity(self, address: str) -> str:
        from moto.ses.models import ses_backends

        verified = ses_backends[self._account][self._region].email_identities
        return identity_of(address, verified)


def identity_of(address: str, verified: "set[str] | dict") -> str:
    """The verified identity `address` sends as: the address if it is verified, else its domain if that is, else
    the address (a send SES will refuse anyway, but IAM speaks first)."""
    domain = address.rpartition("@")[2].lower()
    if address not in verified and domain in verified:
        return domain
    return address
