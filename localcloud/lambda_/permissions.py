"""Who else may invoke a function: its resource-based policy, from the templates' AWS::Lambda::Permission resources.

API Gateway, EventBridge and IoT rules invoke a function as their service principal, and Lambda lets them only if a
permission names that principal (and, when it says so, the calling rule's or API's ARN and account). Without one,
AWS's API Gateway answers 500 ("Execution failed due to configuration error: Invalid permissions on Lambda
function"), an EventBridge or IoT rule fails to deliver; here alike. (Step Functions and the SQS event source act
with roles instead: identity policies, localcloud/iam/.)
"""
from __future__ import annotations

from dataclasses import dataclass

from localcloud.iam.policy import action_matches, arn_like


@dataclass(frozen=True)
class InvokePermission:
    function_name: str
    action: str
    principal: str
    source_arn: str | None = None
    source_account: str | None = None

    def allows(self, principal: str, source_arn: str | None, source_account: str | None) -> bool:
        if not action_matches(self.action, "lambda:InvokeFunction") or self.principal not in (principal, "*"):
            return False
        if self.source_arn is not None and not (source_arn and arn_like(self.source_arn, source_arn)):
            return False
        return self.source_account is None or self.source_account == source_account


def _function_name(name_or_arn: str) -> str:
    return name_or_arn.split(":")[6] if name_or_arn.startswith("arn:") else name_or_arn.split(":")[0]


class ResourcePolicies:
    def __init__(self, stacks):
        self._by_function: dict[str, list[InvokePermission]] = {}
        for stack in stacks:
            for resource in stack.of_type("AWS::Lambda::Permission").values():
                props = stack.resolve(resource["Properties"])
                permission = InvokePermission(_function_name(props["FunctionName"]), props["Action"],
                                              props["Principal"], props.get("SourceArn"), props.get("SourceAccount"))
                self._by_function.setdefault(permission.function_name, []).append(permission)

    def allows(self, function: str, principal: str, source_arn: str | None = None,
               source_account: str | None = None) -> bool:
        return any(p.allows(principal, source_arn, source_account)
                   for p in self._by_function.get(_function_name(function), []))


class InvokeRefused(PermissionError):
    """A service principal invoked a function whose resource-based policy does not let it."""


def invoker(policies: ResourcePolicies, invoke, principal: str, account: str):
    """invoke(function, payload, *, source_arn, invocation_type) as `principal` invokes: refused without permission."""
    def invoke_as_service(function: str, payload: bytes, *, source_arn: str, invocation_type: str = "RequestResponse"):
        if not policies.allows(function, principal, source_arn, account):
            raise InvokeRefused(f"{principal} may not invoke {function} for {source_arn}: no resource-based "
                                "policy statement of the function allows it (AWS::Lambda::Permission)")
        return invoke(function, payload, invocation_type=invocation_type)
    return invoke_as_service
