"""AWS IoT Core, locally: the device gateway, the message broker behind it, the registry's policies, the IoT
data-plane Publish, and the topic rules.

- the IoT gateway on 127.0.0.1:8883 (localcloud/iot/gateway.py): mutual TLS with the local IoT CA
  (.localcloud/mqtt/certs/ca.crt), certificates registered in the IoT registry, every connect, publish, subscribe and
  delivery evaluated against the IoT policies attached to the certificate;
- mosquitto behind it on an internal loopback port (localcloud/iot/broker.py), reachable only by the gateway and the
  bridge below;
- the templates' AWS::IoT::Policy resources created in the registry (as CloudFormation creates them), and
  CreateKeysAndCertificate issuing certificates the gateway can verify (localcloud/iot/moto_gaps.py). No tenant is
  listed anywhere: a tenant exists once its certificate, thing and policy attachment do (workers/onprem/onboard.py);
- `iot-data` Publish at the AWS endpoint (POST /topics/<topic>?qos=1) publishes into the broker, answering only
  once the broker acknowledged a QoS 1 message, so a failed publish fails the caller as on AWS;
- every AWS::IoT::TopicRule of every template subscribes to its topic filter and invokes its Lambda functions
  asynchronously with the SELECTed event (localcloud/iot/rules.py).

The broker and the rules are reached by one privileged MQTT client (the "bridge"), as IoT's rules engine is.
"""
import json
import logging
import secrets
import socket
import threading
from urllib.parse import unquote

from werkzeug.wrappers import Request, Response

from localcloud.serverless import services
from localcloud.edge.server import aws_error
from localcloud.iot import rules as iot_rules
from localcloud.iot.broker import BrokerLogin, MosquittoBroker
from localcloud.iot.certificates import CertificateAuthority
from localcloud.iot.gateway import IotGateway
from localcloud.iot.moto_gaps import sign_created_certificates_with_local_ca
from localcloud.iot.registry import Registry
from localcloud.lambda_.permissions import InvokeRefused
from localcloud.cloudformation.stack import ACCOUNT, REGION

log = logging.getLogger("localcloud.mqtt")
CONNECT_TIMEOUT = 10.0
PUBLISH_TIMEOUT = 10.0
GATEWAY_LOGIN, BRIDGE_LOGIN = "localcloud-iot-gateway", "localcloud-bridge"


def _login(username: str) -> BrokerLogin:
    return BrokerLogin(username, secrets.token_urlsafe(24))


class Bridge:
    """The local cloud's own MQTT client: publishes for iot-data, and feeds the topic rules."""

    def __init__(self, broker: MosquittoBroker, login: BrokerLogin, rules: list[iot_rules.TopicRule], invoke,
                 on_state):
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self._rules, self._invoke, self._on_state = rules, invoke, on_state
        self._connected = threading.Event()
        self._stopping = False
        # A client id no device can guess: a device taking it over would cut the rules engine off.
        client_id = f"{login.username}-{secrets.token_hex(8)}"
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        self.client.username_pw_set(login.username, login.password)
        self.client.reconnect_delay_set(min_delay=1, max_delay=5)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self._broker = broker

    def start(self) -> None:
        self.client.connect(self._broker.host, self._broker.port, keepalive=30)
        self.client.loop_start()
        if not self._connected.wait(CONNECT_TIMEOUT):
            self.stop()
            raise RuntimeError(f"the local cloud's bridge could not connect to mosquitto at {self._broker.address}")

    def stop(self) -> None:
        self._stopping = True
        self.client.disconnect()
        self.client.loop_stop()

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        if not self._connected.is_set():
            raise ConnectionError("the MQTT broker is not reachable")
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        info.wait_for_publish(timeout=PUBLISH_TIMEOUT)
        if not info.is_published():
            raise TimeoutError(f"the broker did not acknowledge the message on {topic}")

    # --- paho callbacks (its network thread) -----------------------------------------------------------------------
    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            log.error("bridge connection refused: %s", reason_code)
            return
        # Small MQTT packets must leave at once, not wait for the broker's delayed ACK (Nagle's algorithm).
        client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        filters = sorted({rule.topic_filter for rule in self._rules})
        if filters:
            client.subscribe([(topic_filter, 1) for topic_filter in filters])
        self._connected.set()
        self._on_state("running")

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self._connected.clear()
        if not self._stopping:
            log.warning("bridge lost the broker (%s); reconnecting", reason_code)
            self._on_state("broker unreachable")

    def _on_message(self, client, userdata, message):
        for rule in self._rules:
            if not rule.matches(message.topic):
                continue
            event = rule.event_for(message.topic, message.payload)
            if event is None:
                continue
            body = json.dumps(event).encode()
            for function_name in rule.function_names:
                try:
                    self._invoke(function_name, body, invocation_type="Event",
                                 source_arn=f"arn:aws:iot:{REGION}:{ACCOUNT}:rule/{rule.name}")
                except InvokeRefused as exc:
                    log.error("IoT rule %s failed to invoke its Lambda action: %s", rule.name, exc)
                except Exception:
                    log.exception("IoT rule %s could not invoke %s", rule.name, function_name)


class MqttPart:
    name = "mqtt"

    def __init__(self):
        self.broker: MosquittoBroker | None = None
        self.bridge: Bridge | None = None
        self.gateway: IotGateway | None = None
        self.ca: CertificateAuthority | None = None
        self._cloud = None

    def start(self, cloud) -> None:
        self._cloud = cloud
        rules = [rule for stack in cloud.stacks.values() for rule in iot_rules.rules_of(stack)]
        known = set(cloud.runtime.function_names())
        for rule in rules:
            missing = [f for f in rule.function_names if f not in known]
            if missing:
                raise RuntimeError(f"IoT rule {rule.name} invokes functions that do not exist: {missing}")
        port = getattr(cloud.settings, "mqtt_port", 8883)
        self.ca = CertificateAuthority(services.STATE_DIR / "mqtt" / "certs")
        self.ca.ensure()
        sign_created_certificates_with_local_ca(self.ca)
        policies = self._create_policies(cloud)
        gateway_login, bridge_login = _login(GATEWAY_LOGIN), _login(BRIDGE_LOGIN)
        # One folder per MQTT port: two clouds (make local and make test) may run at once; the CA is shared.
        self.broker = MosquittoBroker(services.STATE_DIR / "mqtt" / f"broker-{port}", [gateway_login, bridge_login],
                                      host=cloud.settings.host)
        self.broker.start()
        try:
            # As AWS IoT's rules engine invokes: its service principal, allowed by the function's resource policy.
            self.bridge = Bridge(self.broker, bridge_login, rules, cloud.invoker("iot.amazonaws.com"),
                                 self._set_state)
            self.bridge.start()
            self.gateway = IotGateway(host=cloud.settings.host, port=port, ca=self.ca, registry=Registry(),
                                      broker=self.broker.address, login=gateway_login)
            self.gateway.start()
        except BaseException:
            self.stop()
            raise
        cloud.edge.add_route(_is_iot_data_publish, self._publish)
        log.info("IoT gateway at %s (CA %s), %d IoT policies, %d topic rules, mosquitto behind it on %s:%d",
                 self.gateway.endpoint, self.ca.ca_cert, len(policies), len(rules), *self.broker.address)

    @staticmethod
    def _create_policies(cloud) -> list[str]:
        """Every AWS::IoT::Policy of the templates, created in the registry as CloudFormation creates it."""
        iot, created = cloud.client("iot"), []
        for stack in cloud.stacks.values():
            for logical_id, resource in stack.of_type("AWS::IoT::Policy").items():
                props = stack.resolve(resource["Properties"])
                name = props.get("PolicyName") or stack.attributes(logical_id)["Ref"]
                document = props["PolicyDocument"]
                iot.create_policy(policyName=name,
                                  policyDocument=document if isinstance(document, str) else json.dumps(document))
                created.append(name)
        return created

    def _set_state(self, state: str) -> None:
        if self._cloud is not None and self._cloud.parts.get(self.name) in ("running", "broker unreachable"):
            self._cloud.parts[self.name] = state

    def stop(self) -> None:
        if self.gateway:
            self.gateway.stop()
            self.gateway = None
        if self.bridge:
            self.bridge.stop()
            self.bridge = None
        if self.broker:
            self.broker.stop()

    def urls(self) -> dict[str, str]:
        if not self.gateway:
            return {}
        return {"MQTT (mTLS)": self.gateway.endpoint, "MQTT CA": str(self.ca.ca_cert)}

    # --- iot-data Publish ------------------------------------------------------------------------------------------
    def _publish(self, request: Request, body: bytes) -> Response:
        topic = unquote(request.path[len("/topics/"):])
        try:
            qos = int(request.args.get("qos", "0"))
        except ValueError:
            qos = -1
        if qos not in (0, 1):
            return aws_error(400, "InvalidRequestException", "qos must be 0 or 1")
        if not topic or "+" in topic or "#" in topic:
            return aws_error(400, "InvalidRequestException", f"not a topic name to publish on: {topic!r}")
        try:
            self.bridge.publish(topic, body, qos, request.args.get("retain", "false") == "true")
        except (ConnectionError, TimeoutError) as exc:
            return aws_error(503, "ServiceUnavailableException", str(exc))
        return Response(b"", status=200, content_type="application/json")


def _is_iot_data_publish(request: Request, body: bytes) -> bool:
    # iot-data signs as "iotdata"; the path alone could be another service's.
    return (request.method == "POST" and request.path.startswith("/topics/")
            and "/iotdata/" in request.headers.get("Authorization", ""))
