"""The local cloud: every service of the monorepo, from its serverless.yml, in one process.

Start order: the AWS edge (moto + our parts) first, because packaging asks it about stacks; then, dependency wave
by wave, package each service, create its data resources and record its outputs in env.json (stage local), which
the next wave's serverless.yml files read; then the Lambda runtime, the state machines and the API Gateway.
"""
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from botocore.config import Config
from werkzeug.serving import WSGIRequestHandler, make_server

from localcloud import preflight, stepfunctions
from localcloud.apigateway.iam_authorization import IamAuthorization
from localcloud.logs import lambda_log_sink
from localcloud.apigateway.rest_api import ApiGateway
from localcloud.cloudformation.provisioner import provision
from localcloud.cloudformation.stack import ACCOUNT, API_BASE, EDGE_BASE, REGION, ServiceStack
from localcloud.console.part import ConsolePart
from localcloud.dynamodb.moto_gaps import (
    requests_missing_a_required_member_are_refused,
    update_item_consumes_capacity_only_when_asked,
)
from localcloud.edge.host_routing import route_each_host_once
from localcloud.edge.server import Edge, function_name
from localcloud.events.part import EventBridge
from localcloud.faults.part import FaultInjection
from localcloud.iam.enforcement import Enforcer
from localcloud.iam.names import MotoNames
from localcloud.iam.roles import Roles
from localcloud.iot.part import MqttPart
from localcloud.lambda_.artifacts import Unpacked
from localcloud.lambda_.async_invocations import AsyncConfig, async_configs_of
from localcloud.lambda_.event_source_mappings import EventSourceMappings, queue_url
from localcloud.lambda_.hot_reload import CodeWatcher
from localcloud.lambda_.permissions import ResourcePolicies, invoker
from localcloud.lambda_.runtime import FunctionSpec, LambdaRuntime, default_base_env
from localcloud.preflight import NotReady, PortInUse  # noqa: F401 (what callers catch)
from localcloud.rds.part import RdsSnapshots
from localcloud.serverless import services
from localcloud.serverless.layer import build as build_layer
from localcloud.secretsmanager.moto_gaps import create_secret_refuses_invalid_names
from localcloud.ses.mailbox import SesInbox
from localcloud.sns.moto_gaps import fifo_publish_requires_a_group_as_aws
from localcloud.sqs.moto_gaps import send_message_requires_a_body, serialize_queue_changes
from localcloud.stepfunctions.activities import Activities
from localcloud.stepfunctions.workflow_log import WorkflowLog
from localcloud.xray.daemon import XRayDaemon

log = logging.getLogger("localcloud")
STAGE = "local"
# The Lambda runtime's own libraries (requirements/lambda-runtime.txt), installed by `make install`.
LAMBDA_RUNTIME_LIBRARIES = services.REPO / ".lambda-runtime"
# A failed Event invocation is tried again after 1 min and 2 min on AWS; on stage local after 1 s and 2 s, as the
# local settings scale other waits down, so a retry shows within a test.
ASYNC_RETRY_DELAYS = (1.0, 2.0)


def _replace_urls(value, mapping: dict[str, str]):
    if isinstance(value, str):
        for old, new in mapping.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {k: _replace_urls(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_urls(v, mapping) for v in value]
    return value


@dataclass
class Settings:
    edge_port: int = 4566
    api_port: int = 3000
    mqtt_port: int = 8883
    host: str = "127.0.0.1"
    prewarm: bool = True
    services: tuple[str, ...] = ()        # only these (and what they depend on); all when empty

    @property
    def edge_url(self) -> str:
        return f"http://{self.host}:{self.edge_port}"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}"

    def localize(self, value):
        """Map stage local's canonical addresses (what env.json records) to this cloud's actual ports."""
        return _replace_urls(value, {API_BASE: self.api_url, EDGE_BASE: self.edge_url})

    def canonical(self, value):
        """The inverse, for what is recorded: env.json must not depend on the ports one cloud ran on."""
        return _replace_urls(value, {self.api_url: API_BASE, self.edge_url: EDGE_BASE})


class _KeepAliveHandler(WSGIRequestHandler):
    # HTTP/1.1 keeps connections open between requests: every AWS call and every hop of a workflow otherwise pays a
    # TCP handshake (werkzeug's default is HTTP/1.0, one connection per request).
    protocol_version = "HTTP/1.1"


def _fake_credentials() -> dict[str, str]:
    return {"AWS_ACCESS_KEY_ID": "localcloud", "AWS_SECRET_ACCESS_KEY": "localcloud", "AWS_SESSION_TOKEN": "",
            "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}


@dataclass
class LocalCloud:
    settings: Settings = field(default_factory=Settings)
    stacks: dict[str, ServiceStack] = field(default_factory=dict)
    packages: dict[str, services.Package] = field(default_factory=dict)
    runtime: LambdaRuntime | None = None
    xray: XRayDaemon | None = None
    roles: Roles | None = None
    resource_policies: ResourcePolicies | None = None
    watcher: CodeWatcher | None = None
    api: ApiGateway | None = None
    inbox: SesInbox = field(default_factory=SesInbox)
    parts: dict[str, str] = field(default_factory=dict)   # part -> "starting" | "running" | "stopped"
    _servers: list = field(default_factory=list)
    _up: bool = False
    _extensions: list = field(default_factory=list)

    # --- clients ------------------------------------------------------------------------------------------------------
    def client(self, service_name: str):
        return boto3.client(service_name, endpoint_url=self.settings.edge_url, region_name=REGION,
                            aws_access_key_id="localcloud", aws_secret_access_key="localcloud",
                            config=Config(retries={"mode": "standard", "max_attempts": 3}))

    # --- lifecycle ----------------------------------------------------------------------------------------------------
    def start(self) -> None:
        started = time.monotonic()
        preflight.check(self.settings.host, {"--edge-port": self.settings.edge_port,
                                             "--api-port": self.settings.api_port,
                                             "--mqtt-port": self.settings.mqtt_port})
        # moto's engine sends its own AWS calls to localhost:$MOTO_PORT: make that this edge.
        os.environ["MOTO_PORT"] = str(self.settings.edge_port)
        os.environ.update(_fake_credentials())
        stepfunctions.enable_engine()
        route_each_host_once()
        serialize_queue_changes()
        send_message_requires_a_body()
        update_item_consumes_capacity_only_when_asked()
        requests_missing_a_required_member_are_refused()
        fifo_publish_requires_a_group_as_aws()
        create_secret_refuses_invalid_names()
        self.edge = Edge(runtime_lookup=lambda: self.runtime, inbox=self.inbox, health=self.health)
        self.roles = Roles(self.client)
        self.edge.authorize = Enforcer(self.roles, MotoNames(account=ACCOUNT, region=REGION), region=REGION,
                                       account=ACCOUNT).check
        stepfunctions.act_as_state_machine_roles(self._state_machine_credentials)
        self._serve("edge", self.edge, self.settings.edge_port)

        self.parts["services"] = "starting"
        found = services.with_dependencies(services.discover(), self.settings.services)
        services.package_all(found, STAGE, aws_endpoint=self.settings.edge_url, after_wave=self._deploy_wave)
        self.parts["services"] = "running"

        self.parts["lambda"] = "starting"
        self.xray = XRayDaemon(put=self._put_trace_segment, host=self.settings.host)
        self.xray.start()
        self.runtime = LambdaRuntime(self._function_specs(), runtime_dir=LAMBDA_RUNTIME_LIBRARIES,
                                     base_env=self._lambda_base_env(), xray=self.xray,
                                     retry_delays=ASYNC_RETRY_DELAYS, deliver=self._deliver_invocation_record,
                                     log_sink=lambda_log_sink)
        self.parts["lambda"] = "running"

        self.parts["stepfunctions"] = "starting"
        self._create_state_machines()
        self.parts["stepfunctions"] = "running"

        self.resource_policies = ResourcePolicies(list(self.stacks.values()))
        self.api = ApiGateway(list(self.stacks.values()), invoke=self.invoker("apigateway.amazonaws.com"),
                              start_execution=self._start_execution, stage=STAGE, base_url=self.settings.api_url,
                              iam=IamAuthorization(self.roles, region=REGION, account=ACCOUNT))
        self._serve("apigateway", self.api, self.settings.api_port)
        events = EventBridge()
        self._extensions += [ConsolePart(), events, RdsSnapshots(emit=events.put), Activities(),
                             EventSourceMappings(), MqttPart(), FaultInjection(), WorkflowLog()]
        for extension in self._extensions:
            self.parts[extension.name] = "starting"
            extension.start(self)
            self.parts[extension.name] = "running"
        if self.settings.prewarm:
            # "Up" means warm: the first requests (a test's, a user's) do not share two cores with 21 cold starts,
            # which once made a 3 s callback timeout miss. The wait is bounded; a worker that cannot start says so
            # in its own log line and starts again on first use.
            self.runtime.prewarm().join(timeout=60)
        self.watcher = CodeWatcher({s.name: self._code_sources(s) for s in found}, reload=self.reload_code)
        self.watcher.start()
        self._up = True
        log.info("local cloud up in %.2fs", time.monotonic() - started)

    def invoker(self, principal: str):
        """Lambda's Invoke as a service (apigateway.amazonaws.com, events..., iot...) calls it: only for functions
        whose resource-based policy lets that principal in. invoke(function, payload, *, source_arn, ...)."""
        return invoker(self.resource_policies, self.runtime.invoke, principal, ACCOUNT)

    def _deliver_invocation_record(self, spec: FunctionSpec, destination: str, record: dict) -> None:
        """An Event invocation's outcome to its destination, sent as Lambda sends it: with the function's role."""
        session = self.roles.session(spec.role_arn, spec.name, "lambda.amazonaws.com")
        service = destination.split(":")[2]
        body = json.dumps(record)
        if service == "sqs":
            sqs = self.client_as(session, "sqs")
            sqs.send_message(QueueUrl=queue_url(sqs, destination), MessageBody=body)
        elif service == "sns":
            self.client_as(session, "sns").publish(TopicArn=destination, Message=body)
        elif service == "lambda":
            self.client_as(session, "lambda").invoke(FunctionName=destination, InvocationType="Event",
                                                     Payload=body.encode())
        else:
            raise ValueError(f"destination {destination}: the local cloud delivers to SQS, SNS and Lambda only")

    def function_session(self, function: str):
        """The role session a function runs with (what the Lambda service itself uses for its event sources)."""
        return self.roles.session(self.runtime.spec(function).role_arn, function, "lambda.amazonaws.com")

    def client_as(self, session, service_name: str):
        return boto3.client(service_name, endpoint_url=self.settings.edge_url, region_name=REGION,
                            aws_access_key_id=session.access_key_id, aws_secret_access_key=session.secret_access_key,
                            aws_session_token=session.session_token,
                            config=Config(retries={"mode": "standard", "max_attempts": 3}))

    def extension(self, name: str):
        """The started part of that name (mqtt, events...), or None."""
        return next((extension for extension in self._extensions if extension.name == name), None)

    def add_extension(self, extension) -> None:
        """A part started after the core, besides the services' own parts (tests add their own)."""
        self._extensions.append(extension)

    def urls(self) -> dict[str, str]:
        found = {"AWS endpoint": self.settings.edge_url, "health": f"{self.settings.edge_url}/_localcloud/health",
                 "mailbox": f"{self.settings.edge_url}/_aws/ses", "APIs": f"{self.settings.api_url}/<service>/<path>"}
        for extension in self._extensions:
            found.update(getattr(extension, "urls", dict)())
        return found

    def stop(self) -> None:
        self._up = False
        if self.watcher:
            self.watcher.stop()
        for extension in reversed(self._extensions):
            try:
                extension.stop()
            except Exception:
                log.exception("stopping %s failed", extension.name)
            self.parts[extension.name] = "stopped"
        if self.runtime:
            self.runtime.close()
            self.parts["lambda"] = "stopped"
        if self.xray:
            self.xray.stop()
        for name, server, thread in reversed(self._servers):
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            self.parts[name] = "stopped"
        self._servers.clear()

    def health(self) -> tuple[int, dict]:
        parts = dict(self.parts)
        # Every part running is not enough while later parts (MQTT, event sources, console) have yet to start.
        ready = self._up and all(state == "running" for state in parts.values())
        return (200 if ready else 503), {"status": "running" if ready else "starting", "parts": parts}

    # --- internals ----------------------------------------------------------------------------------------------------
    def _serve(self, name: str, app, port: int) -> None:
        self.parts[name] = "starting"
        server = make_server(self.settings.host, port, app, threaded=True, request_handler=_KeepAliveHandler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, name=f"localcloud-{name}", daemon=True)
        thread.start()
        self._servers.append((name, server, thread))
        self.parts[name] = "running"

    def _deploy_wave(self, wave: dict[str, services.Package]) -> None:
        for name, package in wave.items():
            stack = ServiceStack(name, STAGE, package.template)
            provision(stack, self.client)
            for logical_id, role in stack.of_type("AWS::IAM::Role").items():
                self.roles.create(stack.attributes(logical_id)["Ref"], stack.resolve(role["Properties"]))
            self.stacks[name] = stack
            self.packages[name] = package
            services.record_outputs(STAGE, name, self.settings.canonical(stack.outputs()))

    def _layer_zips(self) -> dict[str, Path]:
        """Layer version ARN -> the zip its service packaged (the layers of this repo; AWS's own are not here)."""
        found = {}
        for stack in self.stacks.values():
            for logical_id, resource in stack.of_type("AWS::Lambda::LayerVersion").items():
                content = stack.resolve(resource["Properties"]["Content"])
                found[stack.attributes(logical_id)["Ref"]] = self.packages[stack.service].artifact(content["S3Key"])
        return found

    @staticmethod
    def _code_sources(service: services.Service) -> list[Path]:
        # The layer's code, not its build (shared/build is what an edit of it produces).
        if service.name == "shared":
            return [service.path / "python", services.REPO / "requirements" / "layer.txt"]
        return [service.path]

    def reload_code(self, name: str) -> None:
        """A service's code changed: package it again and renew its functions (every user of a layer for "shared")."""
        service = next(s for s in services.discover() if s.name == name)
        if name == "shared":
            build_layer()
        self.packages[name] = services.package(service, STAGE, aws_endpoint=self.settings.edge_url)
        renewed = self._function_specs(layer_users=name == "shared", service=name)
        self.runtime.replace(renewed)

    def _function_specs(self, *, service: str | None = None, layer_users: bool = False) -> list[FunctionSpec]:
        """Every function as it deploys: its package's zip unpacked as the task root, its layers' zips as /opt.
        Only `service`'s functions if given (or, with layer_users, every function with a layer)."""
        unpacked, layer_zips = Unpacked(services.STATE_DIR), self._layer_zips()
        specs = []
        for stack in self.stacks.values():
            if service is not None and not layer_users and stack.service != service:
                continue
            async_configs = async_configs_of(stack, function_name)
            for logical_id, resource in stack.of_type("AWS::Lambda::Function").items():
                props = stack.resolve(resource["Properties"])
                if layer_users and not props.get("Layers"):
                    continue
                missing = [arn for arn in props.get("Layers", []) if arn not in layer_zips]
                if missing:
                    # CloudFormation's own refusal of such a function.
                    raise RuntimeError(f"{stack.service}: {props['FunctionName']}: Layer version {missing[0]} does "
                                       "not exist (no service of this repository provides it)")
                environment = (props.get("Environment") or {}).get("Variables") or {}
                # As Lambda does: the function calls AWS with a session in its own role.
                session = self.roles.session(props["Role"], props["FunctionName"], "lambda.amazonaws.com")
                environment = {**environment, **session.environment()}
                specs.append(FunctionSpec(
                    name=props["FunctionName"],
                    handler=props["Handler"],
                    code_dir=unpacked.code(self.packages[stack.service].artifact(props["Code"]["S3Key"])),
                    opt_dir=unpacked.opt([layer_zips[arn] for arn in props.get("Layers", [])]),
                    environment={k: self.settings.localize(str(v)) for k, v in environment.items()},
                    timeout=float(props.get("Timeout", 3)),
                    memory_size=int(props.get("MemorySize", 128)),
                    service=stack.service,
                    runtime=props["Runtime"],
                    tracing=(props.get("TracingConfig") or {}).get("Mode") == "Active",
                    role_arn=props["Role"],
                    async_config=async_configs.get(props["FunctionName"], AsyncConfig()),
                    reserved_concurrency=(None if props.get("ReservedConcurrentExecutions") is None
                                          else int(props["ReservedConcurrentExecutions"])),
                ))
        return specs

    def _put_trace_segment(self, document: str) -> None:
        from moto.xray.models import xray_backends

        xray_backends[ACCOUNT][REGION].process_segment(document)

    def _lambda_base_env(self) -> dict[str, str]:
        return {
            **default_base_env(),
            # The one variable AWS does not set: boto3 in the function must reach this cloud, not AWS.
            "AWS_ENDPOINT_URL": self.settings.edge_url,
            "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
        }

    def _state_machine_credentials(self, role_arn: str) -> tuple[str, str, str]:
        session = self.roles.session(role_arn, "StepFunctions", "states.amazonaws.com")
        return session.access_key_id, session.secret_access_key, session.session_token

    def _create_state_machines(self) -> None:
        sfn = self.client("stepfunctions")
        for stack in self.stacks.values():
            for logical_id, resource in stack.of_type("AWS::StepFunctions::StateMachine").items():
                attributes = stack.attributes(logical_id)
                role_arn = stack.resolve(resource["Properties"]["RoleArn"])
                self.roles.session(role_arn, "StepFunctions", "states.amazonaws.com")   # refused if not assumable
                sfn.create_state_machine(
                    name=attributes["Name"],
                    definition=self.settings.localize(stack.state_machine_definition(logical_id)),
                    roleArn=role_arn,
                )

    def _start_execution(self, state_machine_arn: str, execution_input: str, name: str) -> dict:
        started = self.client("stepfunctions").start_execution(
            stateMachineArn=state_machine_arn, input=execution_input, name=name)
        return {"executionArn": started["executionArn"], "startDate": started["startDate"].timestamp()}
