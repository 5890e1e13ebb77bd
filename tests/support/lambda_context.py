"""One factory for the context object Lambda hands a handler (the attributes powertools reads, and the timer)."""
import uuid
from dataclasses import dataclass, field

ACCOUNT = "123456789012"
REGION = "us-east-1"


@dataclass
class FakeLambdaContext:
    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "2026/01/01/[$LATEST]0123456789abcdef"
    remaining_time_in_millis: int = 10_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_time_in_millis


def lambda_context(function_name: str = "waitflows-test-function", *, memory_mb: int = 256,
                   timeout_seconds: int = 10) -> FakeLambdaContext:
    return FakeLambdaContext(
        function_name=function_name,
        memory_limit_in_mb=memory_mb,
        invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}",
        log_group_name=f"/aws/lambda/{function_name}",
        remaining_time_in_millis=timeout_seconds * 1000,
    )
