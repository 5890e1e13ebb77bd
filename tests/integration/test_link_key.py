"""LinkKey against the secret serverless.yml declares: read through powertools' parameters, kept for a while."""
import pytest

from approval.adapters import link_key as link_key_module
from approval.adapters.link_key import LinkKey, LinkKeyTooShort
from tests.support.aws import moto_client


@pytest.fixture
def secret_id(service_resources):
    return service_resources("approval").environment("requestApproval")["LINK_KEY_SECRET_ID"]


def counted_reads(client) -> list:
    reads = []
    client.meta.events.register("before-call.secrets-manager.GetSecretValue", lambda **_: reads.append(1))
    return reads


def test_given_a_warm_container_when_the_key_is_read_again_then_secrets_manager_is_asked_once(secret_id):
    client = moto_client("secretsmanager")
    stored = client.get_secret_value(SecretId=secret_id)["SecretString"].encode()
    reads = counted_reads(client)
    key = LinkKey(secret_id, secretsmanager=client)

    first, second = key.value, key.value

    assert first == second == stored
    assert len(reads) == 1


def test_given_a_rotated_key_when_the_max_age_has_passed_then_the_new_key_is_read(secret_id, monkeypatch):
    # A max age of 0 stands for "the max age has passed" at every read, without waiting five minutes.
    monkeypatch.setattr(link_key_module, "MAX_AGE_SECONDS", 0)
    client = moto_client("secretsmanager")
    key = LinkKey(secret_id, secretsmanager=client)
    key.value

    client.put_secret_value(SecretId=secret_id, SecretString="n" * 64)

    assert key.value == b"n" * 64


def test_given_a_short_key_when_read_then_it_is_refused(secret_id):
    client = moto_client("secretsmanager")
    client.put_secret_value(SecretId=secret_id, SecretString="short")

    with pytest.raises(LinkKeyTooShort):
        LinkKey(secret_id, secretsmanager=client).value
