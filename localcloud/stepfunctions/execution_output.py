"""DescribeExecution of an execution whose output holds the context object, answered as AWS answers it.

The gap: moto's engine keeps an execution's output as the JSON value itself; when it holds the context object
(`OutputPath: $$`, `$$.Execution.StartTime`...) it holds Python datetimes, and DescribeExecution answers 500
(`Object of type datetime is not JSON serializable`). AWS gives the output as JSON text, times in ISO-8601.
"""


def describe_execution_serialises_times() -> None:
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str
    from moto.stepfunctions.responses import StepFunctionResponse

    original = StepFunctionResponse.describe_execution
    if getattr(original, "_localcloud_fix", False):
        return

    def describe_execution(self):
        execution = self.stepfunction_backend.describe_execution(self._get_param("executionArn"))
        output = getattr(execution, "output", None)
        if output is not None and not isinstance(output, str):
            execution.output = to_json_str(output)   # what the engine's history events already hold
        return original(self)

    describe_execution._localcloud_fix = True
    describe_execution.__wrapped__ = original
    StepFunctionResponse.describe_execution = describe_execution
