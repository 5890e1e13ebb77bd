"""Every place where ministack 1.5.33 differs from AWS for this project, in one list the rehearsal prints at the end.

Each gap says what AWS does, what the emulator does (upstream-ready: enough to file it), and how the rehearsal
handles it: an adapter (deploy_rehearsal/ministack_adapter.py or the rehearsal's own HTTP calls, under the same
name), or a step it does not run. Our templates and service code are never bent to the emulator.
"""
from __future__ import annotations

from dataclasses import dataclass

EMULATOR = "ministack 1.5.33"


@dataclass(frozen=True)
class Gap:
    name: str
    where: str        # the surface or step of the rehearsal it touches
    aws: str          # what AWS does
    emulator: str     # what the emulator does instead
    handling: str     # "adapter: ..." or "not run: ..."


GAPS = (
    Gap("activity-resource", "deploy of queue-callback",
        "CloudFormation creates AWS::StepFunctions::Activity (Ref is the activity ARN, GetAtt Name its name).",
        "CreateStack/CreateChangeSet answer 'Template format error: Unrecognized resource types: "
        "[AWS::StepFunctions::Activity]', although its Step Functions API has CreateActivity.",
        "adapter: a CloudFormation provisioner for the type that calls ministack's own CreateActivity and "
        "DeleteActivity."),
    Gap("lambda-runtime-libraries", "every Lambda function",
        "The python3.12 runtime puts boto3 and its dependencies on the function's module path.",
        "Python functions run in worker processes of ministack's own interpreter and virtualenv, which has "
        "ministack's botocore and no boto3: every handler fails at init with No module named 'boto3'.",
        "adapter: the workers get PYTHONPATH=.lambda-runtime (requirements/lambda-runtime.txt, what the runtime "
        "ships), set after ministack imported its own botocore."),
    Gap("lambda-error-type", "errors a function raises, matched by name by Retry and Catch (DBInstanceNotFound)",
        "The python runtime reports an unhandled exception as errorType <its class name>, which a state "
        "machine's Retry and Catch match.",
        "Its warm Python workers report every unhandled exception as errorType Runtime.HandlerError "
        "(services/lambda_svc.py, _execute_function_warm), so no Catch on a name ever matches.",
        "adapter: the errorType is the class name on the last line of the worker's traceback."),
    Gap("api-urls", "functions' environment and the rehearsal's HTTP calls",
        "An API is served at https://<api>.execute-api.<region>.amazonaws.com/<stage>/... (what the stack's "
        "ServiceEndpoint output and our APPROVAL_BASE_URL / DOUBLE_URL say).",
        "It serves APIs at http://<host>:<port>/_aws/execute-api/<api>/<stage>/... (or with a Host header "
        "<api>.execute-api.localhost) and outputs the AWS-shaped URL, which does not resolve on this machine.",
        "adapter: AWS-shaped API URLs in a function's environment are mapped to that form when its worker starts "
        "(the stored configuration stays as deployed), and the rehearsal maps the URLs it calls the same way."),
    Gap("start-execution-integration", "POST routes that start a state machine (serverless-step-functions http events)",
        "API Gateway's AWS integration arn:aws:apigateway:<region>:states:action/StartExecution starts the "
        "execution from the request template and answers its executionArn.",
        "Any non-SQS AWS integration is sent down its Lambda path: the route answers a 5xx and starts nothing.",
        "not run: each such route; the rehearsal starts the same execution with StartExecution (input: the "
        "request body, as the plugin's request template passes it) and drives the workflow from there."),
    Gap("iot-mqtt-listener", "the on-premises job over MQTT (iot-callback)",
        "AWS IoT Core serves MQTT over mutual TLS at the account's ATS endpoint and enforces the attached IoT "
        "policies on every connect, publish and subscribe.",
        "Its IoT mTLS listener binds 0.0.0.0 whatever BIND_HOST says (services/iot.py create_server) and accepts a "
        "client without a certificate; the rehearsal opens no port beyond 127.0.0.1, so the listener is off "
        "(IOT_MTLS_ENABLED=0).",
        "not run: a worker's MQTT round trip; the job is started through its API and seen reaching Dispatch."),
)

GAPS += (
    Gap("iam-not-enforced", "every call a function or state machine makes",
        "Each call is judged against the caller's role: a least-privilege role missing an action is refused.",
        "With AUTH unset (its default) no policy is evaluated; AUTH=true is not tried here.",
        "not run: the roles' least privilege is not proven by the rehearsal (tests/parity and the local cloud's "
        "IAM judge it)."),
)

# Steps the rehearsal leaves out for a reason of its own, not the emulator's.
NOT_DRIVEN = (
    ("queue-callback pull model (POST /orders/pull)",
     "its Lambda polls on a schedule of once a minute (rate(1 minute), EventBridge's finest on AWS): a run would "
     "wait up to a minute, beyond the rehearsal's few-minute budget"),
)


def print_gaps(out=print) -> None:
    out(f"== where {EMULATOR} differs from AWS ({len(GAPS)}); templates and code unchanged, handled here:")
    for gap in GAPS:
        out(f"- {gap.name} [{gap.where}]")
        out(f"    AWS:      {gap.aws}")
        out(f"    emulator: {gap.emulator}")
        out(f"    handled:  {gap.handling}")
    out(f"== not driven by the rehearsal ({len(NOT_DRIVEN)}):")
    for step, reason in NOT_DRIVEN:
        out(f"- {step}: {reason}")
