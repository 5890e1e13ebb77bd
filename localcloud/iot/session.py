"""One device connection's decisions, as AWS IoT Core's message broker makes them: no sockets here, only packets in
and what to send where (the gateway does the I/O), so every rule below is tested without a network.

Every CONNECT, PUBLISH and SUBSCRIBE from the device and every delivery to it is evaluated against the policies
attached to the device's certificate at that moment (localcloud/iam/policy.py), with the policy variables AWS IoT
resolves for the connection:

- iot:ClientId; iot:Connection.Thing.ThingName, .ThingTypeName, .Attributes[name] when a thing named as the client
  id is attached to the certificate, and iot:Connection.Thing.IsAttached true or false (AWS: "If the device
  certificate is not associated with the thing, this variable won't be resolved and will result in an access
  denied error");
- iot:Certificate.Subject.* and .Issuer.* (CommonName, Organization, ...), .SerialNumber, .Validity.*,
  .Subject.AlternativeName.*: every certificate CreateKeysAndCertificate makes has the subject CN=AWS IoT
  Certificate, so these name no tenant;
- iot:ConnectAttributes (PersistentConnect, LastWill), aws:SourceIp, aws:CurrentTime, aws:EpochTime.

Resources: arn:aws:iot:<region>:<account>:client/<client id> (iot:Connect), topic/<topic> (iot:Publish,
iot:RetainPublish, iot:Receive), topicfilter/<filter> (iot:Subscribe).

What is refused, and how (AWS IoT Core's behaviour; sources in each function):
- a CONNECT outside the policy: the connection is closed (MQTT 5: CONNACK 0x87 Not authorized first);
- a PUBLISH or SUBSCRIBE outside the policy: the connection is closed, without a reason in MQTT 3.1.1 (aws-iot-
  device-sdk-js #125, #191), with DISCONNECT 0x87 in MQTT 5 (AWS lists 0x87 for PUBACK and SUBACK too; ending the
  connection is the stricter reading, and the local cloud is never kinder than AWS);
- QoS 2: "AWS IoT Core does not support publishing or subscribing with QoS level 2. When QoS level 2 is requested,
  the AWS IoT message broker does not send a PUBACK or SUBACK" (developerguide/mqtt.html): the packet goes no
  further and nothing answers it;
- a payload over 128 KB, or a CONNECT over 128 KB: "AWS IoT Core rejects publish and connect requests larger than
  128 KB" (developerguide/device-advisor-tests-mqtt.html): the connection is closed;
- a delivery the policy does not allow (iot:Receive, "checked every time a message is delivered"): not delivered;
  the gateway acknowledges a QoS 1 delivery to the broker itself, so the broker does not resend it forever.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Callable

from cryptography import x509
from cryptography.x509.oid import NameOID

from localcloud.iam.policy import PolicyError, evaluate
from localcloud.iot import mqtt_packets as mp
from localcloud.iot.registry import RegisteredCertificate, Registry
from localcloud.cloudformation.stack import ACCOUNT, REGION

log = logging.getLogger("localcloud.iot")
MAX_PAYLOAD = 128 * 1024
# The largest packet worth reading at all: a 128 KB payload with the longest topic and generous properties.
MAX_PACKET = MAX_PAYLOAD + 65_537 + 16 * 1024

_NAME_ATTRIBUTES = {
    NameOID.COMMON_NAME: "CommonName", NameOID.ORGANIZATION_NAME: "Organization",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OrganizationalUnit", NameOID.COUNTRY_NAME: "Country",
    NameOID.STATE_OR_PROVINCE_NAME: "State", NameOID.SERIAL_NUMBER: "SerialNumber", NameOID.TITLE: "Title",
    NameOID.SURNAME: "Surname", NameOID.GIVEN_NAME: "GivenName", NameOID.INITIALS: "Initials",
    NameOID.PSEUDONYM: "Pseudonym", NameOID.GENERATION_QUALIFIER: "GenerationQualifier",
    NameOID.DN_QUALIFIER: "DistinguishedNameQualifier",
}
_ALTERNATIVE_NAMES = {x509.DNSName: "DNSName", x509.RFC822Name: "RFC822Name", x509.IPAddress: "IPAddress",
                      x509.UniformResourceIdentifier: "UniformResourceIdentifier",
                      x509.DirectoryName: "DirectoryName"}


@dataclass(frozen=True)
class Outcome:
    """What one packet leads to: bytes for each side, and whether the connection ends (after sending them)."""
    to_broker: bytes = b""
    to_client: bytes = b""
    close: bool = False
    refusal: str = ""          # why the connection ends or a packet was dropped, for the log


def certificate_variables(certificate: x509.Certificate) -> dict:
    """The iot:Certificate.* policy variables of a client certificate."""
    found: dict = {"iot:Certificate.SerialNumber": str(certificate.serial_number),
                   "iot:Certificate.Validity.NotBefore": certificate.not_valid_before_utc.isoformat(),
                   "iot:Certificate.Validity.NotAfter": certificate.not_valid_after_utc.isoformat()}
    for part, name in (("Subject", certificate.subject), ("Issuer", certificate.issuer)):
        for oid, label in _NAME_ATTRIBUTES.items():
            values = [attribute.value for attribute in name.get_attributes_for_oid(oid)]
            if values:
                found[f"iot:Certificate.{part}.{label}"] = values[0]
                found[f"iot:Certificate.{part}.{label}.List"] = values
    try:
        alternative = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        alternative = None
    for kind, label in _ALTERNATIVE_NAMES.items():
        values = [str(value) for value in alternative.get_values_for_type(kind)] if alternative else []
        if values:
            found[f"iot:Certificate.Subject.AlternativeName.{label}"] = values[0]
            found[f"iot:Certificate.Subject.AlternativeName.{label}.List"] = values
    return found


class DeviceSession:
    def __init__(self, certificate: RegisteredCertificate, certificate_x509: x509.Certificate, registry: Registry,
                 *, source_ip: str, broker_username: str, broker_password: str, region: str = REGION,
                 account: str = ACCOUNT, clock: Callable[[], float] = time.time):
        self.certificate = certificate
        self.level: int | None = None          # set by the CONNECT
        self.client_id: str | None = None
        self._registry = registry
        self._broker_credentials = (broker_username, broker_password.encode())
        self._arn_prefix = f"arn:aws:iot:{region}:{account}:"
        self._clock = clock
        self._context: dict = {**certificate_variables(certificate_x509), "aws:SourceIp": source_ip}
        self._client_aliases: dict[int, str] = {}   # MQTT 5 topic aliases the device set, as the broker knows them

    # --- device -> broker -------------------------------------------------------------------------------------------
    def from_client(self, packet: mp.Packet) -> Outcome:
        if self.level is None:
            if packet.kind != mp.CONNECT:
                return Outcome(close=True, refusal="the first packet is not a CONNECT")
            return self._connect(packet)
        if packet.kind == mp.PUBLISH:
            return self._publish(packet)
        if packet.kind == mp.SUBSCRIBE:
            return self._subscribe(packet)
        if packet.kind == mp.CONNECT:
            return self._violation("a second CONNECT on one connection")
        if packet.kind == mp.AUTH:
            return self._violation("MQTT 5 enhanced authentication (AUTH), which AWS IoT Core does not offer")
        return Outcome(to_broker=packet.raw)       # PUBACK of a delivery, UNSUBSCRIBE, PINGREQ, DISCONNECT...

    def _connect(self, packet: mp.Packet) -> Outcome:
        connect = mp.parse_connect(packet)
        if connect.level not in (mp.MQTT_311, mp.MQTT_5):
            # AWS IoT Core speaks MQTT 3.1.1 and 5 only; MQTT 3.1 clients read a 3.1.1-shaped CONNACK.
            return Outcome(to_client=mp.connack(mp.MQTT_311, mp.V311_UNACCEPTABLE_PROTOCOL_VERSION), close=True,
                           refusal=f"protocol {connect.protocol_name!r} level {connect.level} is not supported")
        self.level, self.client_id = connect.level, connect.client_id
        if len(packet.body) > MAX_PAYLOAD:
            return self._refuse_connect(f"a CONNECT of {len(packet.body)} bytes, over 128 KB", mp.PACKET_TOO_LARGE)
        self._context.update(self._connection_variables(connect))
        if not self._allowed("iot:Connect", f"client/{connect.client_id}"):
            return self._refuse_connect(f"iot:Connect on client/{connect.client_id} is not allowed")
        if connect.will:
            # A will is a publish the broker makes later on the device's behalf: AWS asks for the right now.
            if not self._publish_allowed(connect.will.topic, connect.will.retain):
                return self._refuse_connect(f"the will's topic {connect.will.topic!r} may not be published on")
        username, password = self._broker_credentials
        upstream = replace(connect, username=username, password=password,
                           # The broker must name every delivery's topic for iot:Receive to be checked (a dropped
                           # delivery that set an alias would leave the device unable to read the next ones).
                           properties=connect.properties.without(mp.TOPIC_ALIAS_MAXIMUM))
        return Outcome(to_broker=mp.encode_connect(upstream))

    def _connection_variables(self, connect: mp.Connect) -> dict:
        found: dict = {"iot:ClientId": connect.client_id}
        thing = self._registry.attached_thing(self.certificate.arn, connect.client_id)
        found["iot:Connection.Thing.IsAttached"] = thing is not None
        if thing is not None:
            found["iot:Connection.Thing.ThingName"] = thing.name
            if thing.type_name:
                found["iot:Connection.Thing.ThingTypeName"] = thing.type_name
            for name, value in thing.attributes.items():
                found[f"iot:Connection.Thing.Attributes[{name}]"] = value
        persistent = (not connect.clean_start if connect.level == mp.MQTT_311
                      else bool(connect.properties.value(0x11)))     # MQTT 5: a session expiry interval
        found["iot:ConnectAttributes"] = ((["PersistentConnect"] if persistent else [])
                                          + (["LastWill"] if connect.will else []))
        return found

    def _refuse_connect(self, why: str, reason: int = mp.NOT_AUTHORIZED) -> Outcome:
        # MQTT 3.1.1: the connection is closed; MQTT 5: CONNACK 0x87 Not authorized (or 0x95), then closed.
        reply = mp.connack(mp.MQTT_5, reason) if self.level == mp.MQTT_5 else b""
        return Outcome(to_client=reply, close=True, refusal=why)

    def _publish(self, packet: mp.Packet) -> Outcome:
        publish = mp.parse_publish(packet, self.level)
        topic = publish.topic
        if publish.topic_alias is not None:
            if topic:
                pending_alias = (publish.topic_alias, topic)
            else:
                topic = self._client_aliases.get(publish.topic_alias, "")
                if not topic:
                    return self._violation(f"topic alias {publish.topic_alias} was never set")
                pending_alias = None
        else:
            pending_alias = None
        if publish.payload_size > MAX_PAYLOAD:
            return self._violation(f"a payload of {publish.payload_size} bytes on {topic!r}, over 128 KB",
                                   mp.PACKET_TOO_LARGE)
        if not self._publish_allowed(topic, publish.retain):
            action = "iot:RetainPublish" if publish.retain else "iot:Publish"
            return self._violation(f"{action} on topic/{topic} is not allowed")
        if publish.qos == 2:
            return Outcome(refusal=f"QoS 2 on {topic!r}: not supported, not acknowledged")
        if pending_alias:
            self._client_aliases[pending_alias[0]] = pending_alias[1]
        return Outcome(to_broker=packet.raw)

    def _publish_allowed(self, topic: str, retain: bool) -> bool:
        if not self._allowed("iot:Publish", f"topic/{topic}"):
            return False
        # A retained message also needs iot:RetainPublish (developerguide/retained-message-policy-examples.html).
        return not retain or self._allowed("iot:RetainPublish", f"topic/{topic}")

    def _subscribe(self, packet: mp.Packet) -> Outcome:
        subscribe = mp.parse_subscribe(packet, self.level)
        for topic_filter, _ in subscribe.filters:
            if not self._allowed("iot:Subscribe", f"topicfilter/{topic_filter}"):
                return self._violation(f"iot:Subscribe on topicfilter/{topic_filter} is not allowed")
        if any(qos == 2 for _, qos in subscribe.filters):
            return Outcome(refusal="a SUBSCRIBE asking for QoS 2: not supported, no SUBACK")
        return Outcome(to_broker=packet.raw)

    def malformed(self, why: str) -> Outcome:
        """Bytes that are no MQTT packet end the connection, as any broker ends it (MQTT 5: DISCONNECT 0x81)."""
        return self._violation(f"a malformed packet: {why}", mp.MALFORMED_PACKET)

    def _violation(self, why: str, reason: int = mp.NOT_AUTHORIZED) -> Outcome:
        reply = mp.disconnect(reason) if self.level == mp.MQTT_5 else b""
        return Outcome(to_client=reply, close=True, refusal=why)

    # --- broker -> device -------------------------------------------------------------------------------------------
    def from_broker(self, packet: mp.Packet) -> Outcome:
        if packet.kind != mp.PUBLISH:
            return Outcome(to_client=packet.raw)
        delivery = mp.parse_publish(packet, self.level)
        if not delivery.topic:
            raise mp.MalformedPacket("the broker used a topic alias the device was never offered")
        if self._allowed("iot:Receive", f"topic/{delivery.topic}"):
            return Outcome(to_client=packet.raw)
        acknowledgement = mp.puback(delivery.packet_id) if delivery.qos == 1 else b""
        return Outcome(to_broker=acknowledgement, refusal=f"iot:Receive on topic/{delivery.topic} is not allowed")

    # --- policies ---------------------------------------------------------------------------------------------------
    def _allowed(self, action: str, resource: str) -> bool:
        now = self._clock()
        context = {**self._context, "aws:EpochTime": int(now),
                   "aws:CurrentTime": datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
        try:
            return evaluate(self._registry.policies(self.certificate.arn), action, [self._arn_prefix + resource],
                            context).allowed
        except PolicyError as exc:
            log.error("IoT policy of certificate %s cannot be evaluated locally (%s): %s denied",
                      self.certificate.certificate_id[:12], exc, action)
            return False
