"""Where the pinned moto's Secrets Manager falls short of AWS for this project, fixed next to what it patches.

tests/localcloud/test_secretsmanager_gaps.py asserts that the gap still exists in plain moto, so a moto upgrade that
closes it tells us (that test fails and says so), and the fix can go.
"""
import re

from moto.secretsmanager.exceptions import ValidationException
from moto.secretsmanager.models import SecretsManagerBackend

# The characters AWS's refusal names: alphanumerics and -/_+=.@!
_SECRET_NAME = re.compile(r"[A-Za-z0-9/_+=.@!-]+")
_APPLIED = False


def create_secret_refuses_invalid_names() -> None:
    """The gap: moto 5.2.5 creates a secret under any name ("Invalid Name", with a space, included). AWS refuses it:
    ValidationException, "Invalid name. Must be a valid name containing alphanumeric characters, or any of the
    following: -/_+=.@!" (an error its SDKs do not model: an aws-sdk:secretsmanager task fails with
    SecretsManager.SecretsManagerException).

    Fixed: CreateSecret refuses a name with any other character, with AWS's code and message.
    """
    global _APPLIED
    if _APPLIED:
        return
    _APPLIED = True
    create_secret = SecretsManagerBackend.create_secret

    def create_secret_as_aws(self: SecretsManagerBackend, name, *args, **kwargs):
        if not _SECRET_NAME.fullmatch(name or ""):
            raise ValidationException("Invalid name. Must be a valid name containing alphanumeric characters, or any "
                                      "of the following: -/_+=.@!")
        return create_secret(self, name, *args, **kwargs)

    create_secret_as_aws.__wrapped__ = create_secret
    SecretsManagerBackend.create_secret = create_secret_as_aws
