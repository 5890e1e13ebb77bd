"""The local IoT registry: moto's iot backend, with the gap of localcloud/iot/moto_gaps.py fixed, read by the gateway.

The first test is the canary: it shows the gap in plain moto, and fails the day a moto upgrade closes it (then the
fix can go). The others drive the registry through the IoT API, as an operator does, and read it as the gateway does.
"""
import hashlib
import json

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding
from moto import mock_aws
from moto.iot.models import IoTBackend

from localcloud.iot.certificates import CertificateAuthority
from localcloud.iot.moto_gaps import AWS_IOT_CERTIFICATE_SUBJECT, sign_created_certificates_with_local_ca
from localcloud.iot.registry import Registry

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "iot:Connect", "Resource": "*"}]})


def _der(pem: str) -> bytes:
    return x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)


@pytest.fixture
def local_ca(tmp_path, monkeypatch) -> CertificateAuthority:
    """The local IoT CA with the fix applied; moto's own method is put back after the test."""
    monkeypatch.setattr(IoTBackend, "create_keys_and_certificate", IoTBackend.create_keys_and_certificate)
    ca = CertificateAuthority(tmp_path / "certs")
    ca.ensure()
    sign_created_certificates_with_local_ca(ca)
    return ca


@pytest.fixture
def iot():
    with mock_aws():
        yield boto3.client("iot", region_name="us-east-1")


def test_gap_plain_moto_self_signs_created_certificates_and_ids_them_by_their_pem_text(iot):
    created = iot.create_keys_and_certificate(setAsActive=True)

    certificate = x509.load_pem_x509_certificate(created["certificatePem"].encode())
    assert certificate.subject == AWS_IOT_CERTIFICATE_SUBJECT
    # Signed by the device's own key under an issuer named Moto: no CA of ours (or anyone's) verifies it.
    assert certificate.issuer.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "Moto"
    certificate.public_key().verify(certificate.signature, certificate.tbs_certificate_bytes, padding.PKCS1v15(),
                                    certificate.signature_hash_algorithm)
    assert created["certificateId"] != hashlib.sha256(_der(created["certificatePem"])).hexdigest()


def test_with_the_fix_a_created_certificate_is_issued_by_the_local_ca_for_the_returned_key(local_ca, iot):
    created = iot.create_keys_and_certificate(setAsActive=True)

    certificate = x509.load_pem_x509_certificate(created["certificatePem"].encode())
    certificate.verify_directly_issued_by(x509.load_pem_x509_certificate(local_ca.ca_cert.read_bytes()))
    assert certificate.subject.rfc4514_string() == "CN=AWS IoT Certificate"
    private_key = serialization.load_pem_private_key(created["keyPair"]["PrivateKey"].encode(), password=None)
    assert private_key.public_key().public_numbers() == certificate.public_key().public_numbers()
    assert created["keyPair"]["PrivateKey"].startswith("-----BEGIN RSA PRIVATE KEY-----")


def test_with_the_fix_the_certificate_id_is_the_sha256_of_its_der_as_on_aws(local_ca, iot):
    created = iot.create_keys_and_certificate(setAsActive=False)

    expected = hashlib.sha256(_der(created["certificatePem"])).hexdigest()
    assert created["certificateId"] == expected
    assert iot.describe_certificate(certificateId=expected)["certificateDescription"]["status"] == "INACTIVE"


def test_the_registry_finds_a_certificate_by_its_der_and_sees_its_status_change(local_ca, iot):
    created = iot.create_keys_and_certificate(setAsActive=True)
    registry = Registry()

    assert registry.certificate(_der(created["certificatePem"])).active
    iot.update_certificate(certificateId=created["certificateId"], newStatus="INACTIVE")
    assert registry.certificate(_der(created["certificatePem"])).status == "INACTIVE"
    assert registry.certificate(b"not a registered certificate") is None


def test_the_registry_reads_attached_policies_and_things_at_each_check(local_ca, iot):
    created = iot.create_keys_and_certificate(setAsActive=True)
    arn, registry = created["certificateArn"], Registry()
    iot.create_policy(policyName="worker", policyDocument=POLICY)
    iot.create_thing(thingName="tenant1", attributePayload={"attributes": {"site": "lyon"}})

    assert registry.policies(arn) == [] and registry.attached_thing(arn, "tenant1") is None
    iot.attach_policy(policyName="worker", target=arn)
    iot.attach_thing_principal(thingName="tenant1", principal=arn)

    assert registry.policies(arn) == [json.loads(POLICY)]
    thing = registry.attached_thing(arn, "tenant1")
    assert thing.name == "tenant1" and thing.attributes == {"site": "lyon"}
    assert registry.attached_thing(arn, "tenant2") is None
    iot.detach_policy(policyName="worker", target=arn)
    assert registry.policies(arn) == []


def test_the_registry_reads_a_policys_default_version(local_ca, iot):
    created = iot.create_keys_and_certificate(setAsActive=True)
    iot.create_policy(policyName="worker", policyDocument=POLICY)
    iot.attach_policy(policyName="worker", target=created["certificateArn"])
    newer = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iot:*", "Resource": "*"}]}

    iot.create_policy_version(policyName="worker", policyDocument=json.dumps(newer), setAsDefault=True)

    assert Registry().policies(created["certificateArn"]) == [newer]
