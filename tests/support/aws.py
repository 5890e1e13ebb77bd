"""A service's data resources and configuration, built from its own serverless.yml under moto's mock_aws.

The template comes from `osls package` (cached by localcloud.serverless.services), the resources from localcloud.cloudformation.provisioner,
and each function's environment from the template: the table a test writes to is the table serverless.yml declares,
and the handler is configured exactly as it would be on a deploy.
"""
import copy
import importlib
import importlib.util
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Callable

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from lambda_shared import aws as shared_aws
from localcloud.serverless import services
from localcloud.cloudformation.provisioner import provision
from localcloud.cloudformation.stack import ServiceStack
from tests.support.lambda_context import FakeLambdaContext, lambda_context

STAGE = "dev"
REGION = "us-east-1"
# Every service with handlers (the shared layer has none, and packaging it needs `make layer` first).
SERVICES_UNDER_TEST = tuple(s.name for s in services.discover() if s.name != "shared")


def package_templates(names=SERVICES_UNDER_TEST) -> dict[str, dict]:
    """The CloudFormation templates of the named services, packaged with one throwaway offline endpoint."""
    by_name = {s.name: s for s in services.discover()}
    with services.offline_aws_endpoint() as endpoint, ThreadPoolExecutor(max_workers=len(names)) as pool:
        # In parallel, like package_all: none of these reads another's outputs unless env.json already holds them.
        packaged = pool.map(lambda name: services.package(by_name[name], STAGE, aws_endpoint=endpoint).template, names)
        return dict(zip(names, packaged))


def moto_client(name: str):
    return boto3.client(name, region_name=REGION)


def reset_shared_clients() -> None:
    """lambda_shared.aws keeps one client per container; a test is a fresh container inside a fresh mock."""
    shared_aws.client.cache_clear()
    shared_aws.resource.cache_clear()


class ServiceResources:
    """One service's provisioned stack, and its functions configured and loaded as Lambda would load them."""

    def __init__(self, stack: ServiceStack, monkeypatch: pytest.MonkeyPatch):
        self.stack = stack
        self._monkeypatch = monkeypatch

    @property
    def package_name(self) -> str:
        return self.stack.service.replace("-", "_")

    def function(self, key: str) -> dict:
        """The AWS::Lambda::Function of a serverless.yml `functions:` key, e.g. "requestApproval"."""
        suffix = f"-{STAGE}-{key}"
        for resource in self.stack.of_type("AWS::Lambda::Function").values():
            if resource["Properties"].get("FunctionName", "").endswith(suffix):
                return resource
        raise KeyError(f"{self.stack.service}: serverless.yml has no function {key!r}")

    def environment(self, key: str) -> dict[str, str]:
        variables = self.function(key)["Properties"].get("Environment", {}).get("Variables", {})
        return {name: str(value) for name, value in self.stack.resolve(variables).items()}

    def configure(self, key: str, **overrides: str) -> dict[str, str]:
        """Set the function's environment from the template (plus overrides), for this test only."""
        environment = {**self.environment(key), **overrides}
        for name, value in environment.items():
            self._monkeypatch.setenv(name, value)
        return environment

    def load(self, key: str, **overrides: str):
        """The function's handler, imported (again) after its environment is set, as a cold start would."""
        self.configure(key, **overrides)
        module_name, function_name = self._handler_path(key)
        return getattr(self.reload(module_name), function_name)

    def reload(self, module_name: str) -> ModuleType:
        # Module-level settings and adapters (approval.container, handler defaults) belong to one container.
        container = f"{self.package_name}.container"
        names = [container] if importlib.util.find_spec(container) else []
        for name in [*names, module_name]:
            if name in sys.modules:
                importlib.reload(sys.modules[name])
            else:
                importlib.import_module(name)
        return sys.modules[module_name]

    def module(self, key: str) -> ModuleType:
        return importlib.import_module(self._handler_path(key)[0])

    def context(self, key: str) -> FakeLambdaContext:
        props = self.function(key)["Properties"]
        return lambda_context(props["FunctionName"], memory_mb=int(props.get("MemorySize", 128)),
                              timeout_seconds=int(props.get("Timeout", 6)))

    def _handler_path(self, key: str) -> tuple[str, str]:
        # serverless.yml's `handler: approval/handlers/request_approval.handler`, followed as Lambda follows it.
        path, _, function_name = self.function(key)["Properties"]["Handler"].rpartition(".")
        return path.replace("/", "."), function_name


def build_service(templates: dict[str, dict], name: str, monkeypatch: pytest.MonkeyPatch) -> ServiceResources:
    """Provision the service's data resources into the active mock and return them. Call inside mock_aws."""
    stack = ServiceStack(name, STAGE, copy.deepcopy(templates[name]))
    provision(stack, moto_client)
    return ServiceResources(stack, monkeypatch)


class StepFunctionsCalls:
    """Records the callbacks the code under test sends through lambda_shared's Step Functions client.

    The calls still go through botocore (parameter validation, serialisation) to moto; `refuse_with` makes Step
    Functions answer every callback with an error, as it does for a task that timed out or no longer exists.
    """

    def __init__(self, client):
        self.calls: list[tuple[str, dict]] = []
        self._refusal: Callable[[str], Exception] | None = None
        client.meta.events.register("before-call.sfn", self._before_call)

    def refuse_with(self, code: str, message: str = "Task Timed Out") -> None:
        self._refusal = lambda operation: ClientError({"Error": {"Code": code, "Message": message}}, operation)

    def lose_connection(self) -> None:
        """Every callback fails in the network (botocore's EndpointConnectionError), before Step Functions sees it."""
        self._refusal = lambda operation: EndpointConnectionError(endpoint_url="https://states.us-east-1.amazonaws.com")

    def accept_again(self) -> None:
        self._refusal = None

    def _before_call(self, model, params, **_):
        if self._refusal:
            raise self._refusal(model.name)
        self.calls.append((model.name, json.loads(params["body"])))

    def named(self, operation: str) -> list[dict]:
        return [params for name, params in self.calls if name == operation]

    @property
    def successes(self) -> list[dict]:
        return self.named("SendTaskSuccess")

    @property
    def failures(self) -> list[dict]:
        return self.named("SendTaskFailure")


def sent_emails(region: str = REGION) -> list:
    """What moto's SES accepted: Message objects with source, destinations, subject and body (the HTML part)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages)
