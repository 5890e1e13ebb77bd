"""The engine's AWS clients: reused, and acting as the state machine's role, as AWS's tasks do.

The gap: the engine builds a new boto3 client (and a new connection) for every task it runs, always with the same
fake credentials: a task never acts as the state machine's role, so IAM could not judge it. Clients are reused,
one per region, service and role, signed with a session of that role.
"""
from typing import Callable

# Every engine module that calls boto_client_for (they import it by name), so all are patched, loaded or not.
ENGINE_CLIENT_USERS = [f"moto.stepfunctions.parser.asl.component.state.exec.{name}" for name in (
    "state_map.item_reader.eval.resource_eval_s3", "state_map.result_writer.resource_eval.resource_eval_s3",
    "state_task.lambda_eval_utils", *(f"state_task.service.state_task_service_{service}" for service in (
        "aws_sdk", "batch", "dynamodb", "ecs", "events", "glue", "sfn", "sns", "sqs", "unsupported")))]


# role ARN -> (access key id, secret access key, session token) of a session in it; set by the local cloud.
_role_credentials: list = []


def act_as_state_machine_roles(credentials_of: Callable[[str], tuple[str, str, str]]) -> None:
    """The engine's tasks sign their calls with a session of the execution's role (what IAM then judges)."""
    _role_credentials[:] = [credentials_of]


def reuse_engine_clients() -> None:
    import importlib
    from functools import lru_cache

    import boto3
    from botocore.config import Config
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
    from moto.stepfunctions.parser.asl.utils import boto_client
    from moto.settings import moto_server_port

    original = boto_client.boto_client_for
    if getattr(original, "_localcloud_fix", False):
        return

    @lru_cache(maxsize=None)
    def cached(region: str, service: str, role_arn: str | None):
        if role_arn is None or not _role_credentials:
            return original(region=region, service=service)
        key, secret, token = _role_credentials[0](role_arn)
        # As the engine's own factory makes them (no retries: the state machine's Retry owns them), with the role.
        return boto3.client(service, region_name=region, endpoint_url=f"http://localhost:{moto_server_port()}",
                            aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
                            config=Config(parameter_validation=False,
                                          retries={"max_attempts": 0, "total_max_attempts": 1},
                                          connect_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
                                          read_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS))

    def boto_client_for(region, service, state_credentials=None):
        # boto3 clients are thread-safe: one per region, service and the execution's role (StateCredentials).
        return cached(region, service, getattr(state_credentials, "role_arn", None))

    boto_client_for._localcloud_fix = True
    boto_client_for.__wrapped__ = original
    for name in ENGINE_CLIENT_USERS:
        module = importlib.import_module(name)
        if getattr(module, "boto_client_for", None) is not original:
            raise RuntimeError(f"{name} no longer uses boto_client_for: revisit the engine clients gap")
        module.boto_client_for = boto_client_for
    boto_client.boto_client_for = boto_client_for
