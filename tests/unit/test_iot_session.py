"""localcloud.iot.session: the IoT gateway's decision for each packet, as AWS IoT Core's broker decides, with the
tenant worker policy of services/iot-callback (the file that deploys) and a registry built in the test."""
import datetime
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from localcloud.iot import mqtt_packets as mp
from localcloud.iot.registry import RegisteredCertificate, Thing
from localcloud.iot.session import MAX_PAYLOAD, DeviceSession
from localcloud.cloudformation.stack import ServiceStack

REPO = Path(__file__).resolve().parents[2]
ARN = "arn:aws:iot:us-east-1:123456789012"


def _cloudformation_loader():
    class Loader(yaml.SafeLoader):
        pass

    def short_form(name):
        def construct(loader, node):
            value = loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) \
                else loader.construct_sequence(node, deep=True)
            return {name if name == "Ref" else f"Fn::{name}": value}
        return construct

    for name in ("Ref", "Join", "Sub", "GetAtt"):
        Loader.add_constructor(f"!{name}", short_form(name))
    return Loader


def tenant_policy() -> dict:
    """services/iot-callback/iot-tenant-policy.yml as CloudFormation resolves it (in region us-east-1)."""
    text = (REPO / "services" / "iot-callback" / "iot-tenant-policy.yml").read_text()
    return ServiceStack("iot-callback", "local", {}).resolve(yaml.load(text, Loader=_cloudformation_loader()))


def _field(policy_variable: str) -> str:
    return "${" + policy_variable + "}"


# The policy before the fix: every resource keyed on the certificate's CN.
CN_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "iot:Connect",
     "Resource": f"{ARN}:client/{_field('iot:Certificate.Subject.CommonName')}"},
    {"Effect": "Allow", "Action": "iot:Subscribe",
     "Resource": [f"{ARN}:topicfilter/tenants/{_field('iot:Certificate.Subject.CommonName')}/{c}"
                  for c in ("jobs", "control")]},
    {"Effect": "Allow", "Action": "iot:Receive",
     "Resource": [f"{ARN}:topic/tenants/{_field('iot:Certificate.Subject.CommonName')}/{c}"
                  for c in ("jobs", "control")]},
    {"Effect": "Allow", "Action": "iot:Publish",
     "Resource": [f"{ARN}:topic/tenants/{_field('iot:Certificate.Subject.CommonName')}/{c}"
                  for c in ("results", "heartbeat", "progress")]},
]}


def aws_iot_certificate() -> x509.Certificate:
    """A certificate as CreateKeysAndCertificate makes it: subject CN=AWS IoT Certificate, whoever it is for."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AWS IoT Certificate")])
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))


class FakeRegistry:
    def __init__(self):
        self.attached_policies: dict[str, list[dict]] = {}
        self.things: set[tuple[str, str]] = set()

    def policies(self, principal_arn):
        return list(self.attached_policies.get(principal_arn, []))

    def attached_thing(self, principal_arn, thing_name):
        return Thing(thing_name) if (principal_arn, thing_name) in self.things else None


def certificate(name: str) -> RegisteredCertificate:
    return RegisteredCertificate(name * 8, f"{ARN}:cert/{name * 8}", "ACTIVE")


@pytest.fixture
def registry():
    """tenant1 and tenant2 onboarded as the README says: a certificate, a thing attached to it, the policy."""
    found = FakeRegistry()
    for tenant in ("tenant1", "tenant2"):
        cert = certificate(tenant[-1])
        found.attached_policies[cert.arn] = [tenant_policy()]
        found.things.add((cert.arn, tenant))
    return found


def session_of(registry, tenant="tenant1", policies=None) -> DeviceSession:
    cert = certificate(tenant[-1])
    if policies is not None:
        registry.attached_policies[cert.arn] = policies
    return DeviceSession(cert, aws_iot_certificate(), registry, source_ip="127.0.0.1", broker_username="gateway",
                         broker_password="secret")


def connect_packet(client_id: str, level: int = mp.MQTT_311, will: mp.Will | None = None,
                   properties: mp.Properties = mp.Properties()) -> mp.Packet:
    raw = mp.encode_connect(mp.Connect("MQTT", level, False, 30, client_id, properties, will))
    return mp.PacketSplitter(1 << 20).feed(raw)[0]


def packet(raw: bytes) -> mp.Packet:
    return mp.PacketSplitter(1 << 20).feed(raw)[0]


def publish(topic: str, payload: bytes = b"{}", qos: int = 1, retain: bool = False, level: int = mp.MQTT_311,
            properties: bytes = b"") -> mp.Packet:
    body = mp._encode_string(topic) + (b"\x00\x05" if qos else b"")
    if level == mp.MQTT_5:
        body += mp.encode_varint(len(properties)) + properties
    return packet(mp.frame(mp.PUBLISH, (qos << 1) | int(retain), body + payload))


def subscribe(*filters: tuple[str, int], level: int = mp.MQTT_311) -> mp.Packet:
    body = b"\x00\x09" + (b"\x00" if level == mp.MQTT_5 else b"")
    body += b"".join(mp._encode_string(f) + bytes([qos]) for f, qos in filters)
    return packet(mp.frame(mp.SUBSCRIBE, 0x02, body))


def connected(registry, tenant="tenant1", level=mp.MQTT_311, policies=None) -> DeviceSession:
    session = session_of(registry, tenant, policies)
    outcome = session.from_client(connect_packet(tenant, level))
    assert not outcome.close, outcome.refusal
    return session


# --- connect ---------------------------------------------------------------------------------------------------------
def test_given_the_thing_is_attached_when_it_connects_as_the_thing_name_then_the_broker_gets_the_gateways_login(
        registry):
    session = session_of(registry)

    outcome = session.from_client(connect_packet("tenant1", mp.MQTT_5, properties=mp.Properties(
        ((mp.TOPIC_ALIAS_MAXIMUM, b"\x22\x00\x0a"), (0x11, b"\x11\x00\x00\x0e\x10")))))

    assert not outcome.close and not outcome.to_client
    upstream = mp.parse_connect(packet(outcome.to_broker))
    assert (upstream.client_id, upstream.username, upstream.password) == ("tenant1", "gateway", b"secret")
    assert upstream.properties.value(mp.TOPIC_ALIAS_MAXIMUM) is None and upstream.properties.value(0x11) == 3600


@pytest.mark.parametrize("level, answer", [(mp.MQTT_311, b""), (mp.MQTT_5, bytes([0x20, 3, 0, 0x87, 0]))])
def test_a_client_id_other_than_the_thing_name_is_refused_and_the_connection_ends(registry, level, answer):
    outcome = session_of(registry).from_client(connect_packet("tenant1-probe", level))

    assert outcome.close and outcome.to_client == answer and not outcome.to_broker
    assert "iot:Connect on client/tenant1-probe" in outcome.refusal


def test_given_a_thing_attached_to_another_certificate_when_its_name_is_the_client_id_then_connect_is_refused(
        registry):
    outcome = session_of(registry, "tenant1").from_client(connect_packet("tenant2"))

    assert outcome.close and not outcome.to_broker


def test_given_no_policy_attached_when_the_thing_connects_then_it_is_refused(registry):
    outcome = session_of(registry, policies=[]).from_client(connect_packet("tenant1"))

    assert outcome.close


def test_a_will_on_another_tenants_topic_refuses_the_connect(registry):
    will = mp.Will("tenants/tenant2/results", b"{}", 1, False)

    outcome = session_of(registry).from_client(connect_packet("tenant1", will=will))

    assert outcome.close and "will" in outcome.refusal


def test_an_mqtt_31_client_is_told_the_protocol_level_is_unacceptable():
    body = b"\x00\x06MQIsdp" + bytes([3, 0x02, 0, 30]) + b"\x00\x01c"

    outcome = session_of(FakeRegistry()).from_client(packet(mp.frame(mp.CONNECT, 0, body)))

    assert outcome.close and outcome.to_client == bytes([0x20, 2, 0, 1])


def test_a_first_packet_other_than_connect_ends_the_connection(registry):
    assert session_of(registry).from_client(packet(bytes([0xC0, 0]))).close


# --- subscribe -------------------------------------------------------------------------------------------------------
def test_the_worker_may_subscribe_to_its_own_jobs_and_control(registry):
    request = subscribe(("tenants/tenant1/jobs", 1), ("tenants/tenant1/control", 1))

    outcome = connected(registry).from_client(request)

    assert outcome.to_broker == request.raw and not outcome.close


@pytest.mark.parametrize("level, answer", [(mp.MQTT_311, b""), (mp.MQTT_5, bytes([0xE0, 2, 0x87, 0]))])
def test_subscribing_to_another_tenants_jobs_ends_the_connection_and_subscribes_to_nothing(registry, level, answer):
    request = subscribe(("tenants/tenant1/jobs", 1), ("tenants/tenant2/jobs", 1), level=level)

    outcome = connected(registry, level=level).from_client(request)

    assert outcome.close and outcome.to_client == answer and not outcome.to_broker
    assert "topicfilter/tenants/tenant2/jobs" in outcome.refusal


def test_a_wildcard_filter_is_a_filter_the_policy_names_literally(registry):
    outcome = connected(registry).from_client(subscribe(("tenants/+/jobs", 1)))

    assert outcome.close


def test_a_subscribe_asking_for_qos_2_goes_nowhere_and_gets_no_suback(registry):
    outcome = connected(registry).from_client(subscribe(("tenants/tenant1/jobs", 2)))

    assert outcome.to_broker == b"" and outcome.to_client == b"" and not outcome.close


# --- publish ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("channel", ["results", "heartbeat", "progress"])
def test_the_worker_may_publish_its_reports(registry, channel):
    request = publish(f"tenants/tenant1/{channel}")

    assert connected(registry).from_client(request).to_broker == request.raw


@pytest.mark.parametrize("topic", ["tenants/tenant2/results", "tenants/tenant1/jobs", "tenants/tenant1/control"])
def test_publishing_outside_the_policy_ends_the_connection(registry, topic):
    outcome = connected(registry).from_client(publish(topic, qos=0))

    assert outcome.close and not outcome.to_broker


def test_a_retained_publish_needs_iot_retain_publish_which_the_tenant_policy_does_not_grant(registry):
    outcome = connected(registry).from_client(publish("tenants/tenant1/results", retain=True))

    assert outcome.close and "iot:RetainPublish" in outcome.refusal


def test_a_qos_2_publish_goes_nowhere_and_is_not_acknowledged(registry):
    outcome = connected(registry).from_client(publish("tenants/tenant1/results", qos=2))

    assert outcome.to_broker == b"" and outcome.to_client == b"" and not outcome.close


def test_a_payload_of_128_kb_passes_and_one_byte_more_ends_the_connection(registry):
    session = connected(registry)
    largest = publish("tenants/tenant1/results", b"x" * MAX_PAYLOAD)

    assert session.from_client(largest).to_broker == largest.raw
    assert session.from_client(publish("tenants/tenant1/results", b"x" * (MAX_PAYLOAD + 1))).close


def test_an_mqtt5_topic_alias_is_authorized_as_the_topic_it_stands_for(registry):
    session = connected(registry, level=mp.MQTT_5)
    alias_1 = b"\x23\x00\x01"

    assert not session.from_client(publish("tenants/tenant1/results", level=mp.MQTT_5, properties=alias_1)).close
    assert not session.from_client(publish("", level=mp.MQTT_5, properties=alias_1)).close
    assert session.from_client(publish("", level=mp.MQTT_5, properties=b"\x23\x00\x02")).close   # never set


def test_an_alias_cannot_be_moved_to_another_tenants_topic(registry):
    session = connected(registry, level=mp.MQTT_5)
    session.from_client(publish("tenants/tenant1/results", level=mp.MQTT_5, properties=b"\x23\x00\x01"))

    outcome = session.from_client(publish("tenants/tenant2/results", level=mp.MQTT_5, properties=b"\x23\x00\x01"))

    assert outcome.close


def test_a_policy_detached_while_connected_counts_from_the_next_packet(registry):
    session = connected(registry)
    registry.attached_policies[session.certificate.arn] = []

    assert session.from_client(publish("tenants/tenant1/heartbeat")).close


def test_an_explicit_deny_wins_over_the_tenant_policys_allow(registry):
    deny = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "iot:Publish", "Resource": f"{ARN}:topic/tenants/*/progress"}]}
    session = connected(registry, policies=[tenant_policy(), deny])

    assert session.from_client(publish("tenants/tenant1/progress")).close
    assert not session.from_client(publish("tenants/tenant1/results")).close


# --- deliveries ------------------------------------------------------------------------------------------------------
def test_a_delivery_on_the_workers_jobs_reaches_it(registry):
    delivery = publish("tenants/tenant1/jobs")

    outcome = connected(registry).from_broker(delivery)

    assert outcome.to_client == delivery.raw and outcome.to_broker == b""


def test_a_delivery_the_policy_does_not_allow_is_not_delivered_and_acknowledged_to_the_broker(registry):
    outcome = connected(registry).from_broker(publish("tenants/tenant2/jobs", qos=1))

    assert outcome.to_client == b"" and outcome.to_broker == mp.puback(5) and not outcome.close


def test_broker_packets_other_than_deliveries_pass_untouched(registry):
    suback = packet(bytes([0x90, 3, 0, 9, 1]))

    assert connected(registry).from_broker(suback).to_client == suback.raw


# --- the defect this policy fixed ------------------------------------------------------------------------------------
def test_with_the_old_cn_policy_the_worker_cannot_even_connect_as_its_tenant(registry):
    outcome = session_of(registry, policies=[CN_POLICY]).from_client(connect_packet("tenant1"))

    assert outcome.close and "client/tenant1" in outcome.refusal


def test_with_the_old_cn_policy_the_worker_cannot_subscribe_to_its_jobs_whatever_client_id_it_uses(registry):
    session = session_of(registry, policies=[CN_POLICY])
    assert not session.from_client(connect_packet("AWS IoT Certificate")).close   # the one id that policy allows

    outcome = session.from_client(subscribe(("tenants/tenant1/jobs", 1)))

    assert outcome.close and "topicfilter/tenants/tenant1/jobs" in outcome.refusal


def test_with_the_old_cn_policy_two_tenants_certificates_are_one_identity(registry):
    shared_topic = "tenants/AWS IoT Certificate/jobs"
    for tenant in ("tenant1", "tenant2"):
        session = session_of(registry, tenant, policies=[CN_POLICY])
        session.from_client(connect_packet("AWS IoT Certificate"))

        assert not session.from_client(subscribe((shared_topic, 1))).close


@pytest.mark.parametrize("level, answer", [(mp.MQTT_311, b""), (mp.MQTT_5, bytes([0xE0, 2, 0x81, 0]))])
def test_a_malformed_packet_ends_the_connection(registry, level, answer):
    outcome = connected(registry, level=level).malformed("a string that is not UTF-8")

    assert outcome.close and outcome.to_client == answer
