"""The approval workflow's executions, started by POST /calculate."""
import json

from lambda_shared import aws


class ApprovalWorkflows:
    def __init__(self, state_machine_arn: str, sfn=None):
        self._arn = state_machine_arn
        self._given = sfn

    @property
    def _sfn(self):
        return self._given or aws.client("stepfunctions")

    def start(self, execution_input: dict) -> dict:
        """StartExecution's answer as API Gateway's StartExecution integration returned it: ARN and epoch seconds."""
        started = self._sfn.start_execution(stateMachineArn=self._arn, input=json.dumps(execution_input))
        return {"executionArn": started["executionArn"], "startDate": started["startDate"].timestamp()}
