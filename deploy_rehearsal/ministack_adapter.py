"""ministack, started with the rehearsal's adapters: the only place where the emulator is bent, never our templates.

This file runs inside ministack's own virtualenv (.tools/ministack/, requirements/ministack.txt), as
`.tools/ministack/bin/python deploy_rehearsal/ministack_adapter.py`: it imports nothing of the project's, and nothing
of the project's imports it. Each adapter is listed, with what AWS does and what ministack does, in gaps.py
(ADAPTERS); a name here matches a name there.

Environment it reads: GATEWAY_PORT (ministack's own), REHEARSAL_LAMBDA_RUNTIME (the folder holding what AWS's
python3.12 runtime ships: the repository's .lambda-runtime).
"""
import os
import re
import sys

# `https://<api>.execute-api.<region>.amazonaws.com/<stage>/...`: the URL osls and our templates build, as on AWS.
AWS_API_URL = re.compile(r"https://([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com/")


def emulator_api_url(value: str, port: str) -> str:
    """The same API in the form ministack serves it: http://127.0.0.1:<port>/_aws/execute-api/<api>/<stage>/..."""
    return AWS_API_URL.sub(lambda m: f"http://127.0.0.1:{port}/_aws/execute-api/{m.group(1)}/", value)


def activity_resource() -> None:
    """activity-resource: CloudFormation's AWS::StepFunctions::Activity, created with ministack's own CreateActivity."""
    import json

    from ministack.services import stepfunctions
    from ministack.services.cloudformation import provisioners

    def create(logical_id, props, stack_name):
        status, _headers, body = stepfunctions._create_activity({"name": props["Name"], "tags": props.get("Tags", [])})
        answer = json.loads(body)
        if status != 200:
            raise ValueError(f"CreateActivity {props['Name']}: {answer}")
        return answer["activityArn"], {"Arn": answer["activityArn"], "Name": props["Name"]}

    def delete(physical_id, props):
        stepfunctions._delete_activity({"activityArn": physical_id})

    provisioners._RESOURCE_HANDLERS.setdefault("AWS::StepFunctions::Activity", {"create": create, "delete": delete})


def function_environment_urls(port: str) -> None:
    """api-urls-in-functions: a function's AWS-shaped API URL (DOUBLE_URL, APPROVAL_BASE_URL) in ministack's form."""
    from ministack.core import lambda_runtime

    original = lambda_runtime.Worker.__init__

    def __init__(self, func_name, config, code_zip):
        original(self, func_name, config, code_zip)
        variables = (self.config.get("Environment") or {}).get("Variables") or {}
        mapped = {key: emulator_api_url(value, port) if isinstance(value, str) else value
                  for key, value in variables.items()}
        if mapped != variables:   # a copy: the stored function configuration stays what was deployed
            self.config = {**self.config, "Environment": {**self.config["Environment"], "Variables": mapped}}

    lambda_runtime.Worker.__init__ = __init__


def error_types() -> None:
    """lambda-error-type: a function's unhandled exception reported as errorType <its class name>, as AWS does."""
    import threading

    from ministack.core import lambda_runtime
    from ministack.services import lambda_svc

    last = threading.local()
    invoke, execute = lambda_runtime.Worker.invoke, lambda_svc._execute_function_warm

    def invoke_noting_the_exception(self, *args, **kwargs):
        result = invoke(self, *args, **kwargs)
        trace = result.get("trace") or "" if isinstance(result, dict) else ""
        # The traceback's last line: "<module>.<Class>: <message>" (or "<Class>: <message>").
        last.error_type = trace.strip().splitlines()[-1].split(":", 1)[0].rsplit(".", 1)[-1] if trace.strip() else None
        return result

    def execute_with_the_error_type(func, event, request_id):
        last.error_type = None
        result = execute(func, event, request_id)
        body = result.get("body") if isinstance(result, dict) else None
        if result.get("error") and isinstance(body, dict) and body.get("errorType") == "Runtime.HandlerError" \
                and getattr(last, "error_type", None):
            body["errorType"] = last.error_type
        return result

    lambda_runtime.Worker.invoke = invoke_noting_the_exception
    lambda_svc._execute_function_warm = execute_with_the_error_type


def runtime_libraries(folder: str) -> None:
    """lambda-runtime-libraries: functions run with what AWS's python3.12 runtime ships (boto3), not ministack's.

    Read by the worker processes only: ministack has imported its own botocore before this is set.
    """
    os.environ["PYTHONPATH"] = folder


def main() -> None:
    port = os.environ["GATEWAY_PORT"]
    activity_resource()
    function_environment_urls(port)
    error_types()
    from ministack import app
    runtime_libraries(os.environ["REHEARSAL_LAMBDA_RUNTIME"])
    sys.argv = ["ministack"]
    app.main()


if __name__ == "__main__":
    main()
