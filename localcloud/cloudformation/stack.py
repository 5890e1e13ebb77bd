"""A service's CloudFormation template, read the way CloudFormation would deploy it, with local physical names.

ServiceStack answers Ref and Fn::GetAtt for the template's resources, resolves intrinsic functions in any value
(environment variables, state machine definitions, outputs), and rewrites execute-api URLs to the local API
Gateway, so a value that names an AWS endpoint on a deploy names the local one here.
"""
import json
import re
from dataclasses import dataclass, field
from typing import Any

ACCOUNT = "123456789012"   # moto's default account
REGION = "us-east-1"
# Stage local's canonical addresses: recorded outputs (env.json) always use these, so they never change with the
# ports one particular cloud was started on; a cloud on other ports maps them with Settings.localize().
API_BASE = "http://127.0.0.1:3000"
EDGE_BASE = "http://127.0.0.1:4566"

_EXECUTE_API = re.compile(r"https://([A-Za-z0-9-]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com/[A-Za-z0-9_-]+")


class UnresolvableReference(ValueError):
    pass


def _arn(service: str, resource: str, region: str = REGION) -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{resource}"


@dataclass
class ServiceStack:
    service: str                   # folder name, e.g. "approval"; also the local REST API id
    stage: str
    template: dict
    physical: dict[str, dict[str, Any]] = field(default_factory=dict)   # logical id -> {"Ref": ..., attr: ...}

    @property
    def resources(self) -> dict[str, dict]:
        return self.template.get("Resources", {})

    @property
    def stack_name(self) -> str:
        return f"{self.template_service_name}-{self.stage}"

    @property
    def template_service_name(self) -> str:
        # serverless names the stack <service>-<stage>; the deployment bucket's export carries the service name.
        for output in self.template.get("Outputs", {}).values():
            name = (output.get("Export") or {}).get("Name", "")
            if name.startswith("sls-") and name.endswith("-ServerlessDeploymentBucketName"):
                return name[len("sls-"):-len(f"-{self.stage}-ServerlessDeploymentBucketName")]
        return f"waitflows-{self.service}"

    def of_type(self, resource_type: str) -> dict[str, dict]:
        return {lid: r for lid, r in self.resources.items() if r.get("Type") == resource_type}

    # --- physical names -------------------------------------------------------------------------------------------
    def _default_attributes(self, logical_id: str) -> dict[str, Any]:
        resource = self.resources[logical_id]
        kind, props = resource.get("Type", ""), resource.get("Properties", {})
        generated = f"{self.stack_name}-{logical_id}"
        if kind == "AWS::Lambda::Function":
            name = self.resolve(props.get("FunctionName", generated))
            return {"Ref": name, "Arn": _arn("lambda", f"function:{name}")}
        if kind == "AWS::Lambda::Version":
            function = self.resolve(props["FunctionName"])
            name = function.rsplit(":", 1)[-1] if function.startswith("arn:") else function
            return {"Ref": _arn("lambda", f"function:{name}:1"), "Version": "1"}
        if kind == "AWS::Lambda::LayerVersion":
            name = self.resolve(props.get("LayerName", generated))
            return {"Ref": _arn("lambda", f"layer:{name}:1")}
        if kind == "AWS::StepFunctions::StateMachine":
            name = self.resolve(props.get("StateMachineName", generated))
            arn = _arn("states", f"stateMachine:{name}")
            return {"Ref": arn, "Arn": arn, "Name": name}
        if kind == "AWS::StepFunctions::Activity":
            name = self.resolve(props["Name"])
            arn = _arn("states", f"activity:{name}")
            return {"Ref": arn, "Arn": arn, "Name": name}
        if kind == "AWS::DynamoDB::Table":
            name = self.resolve(props.get("TableName", generated))
            arn = _arn("dynamodb", f"table/{name}")
            return {"Ref": name, "Arn": arn, "StreamArn": f"{arn}/stream/local"}
        if kind == "AWS::SQS::Queue":
            name = self.resolve(props.get("QueueName", generated))
            return {"Ref": f"{EDGE_BASE}/{ACCOUNT}/{name}", "Arn": _arn("sqs", name), "QueueName": name,
                    "QueueUrl": f"{EDGE_BASE}/{ACCOUNT}/{name}"}
        if kind == "AWS::SNS::Topic":
            name = self.resolve(props.get("TopicName", generated))
            arn = _arn("sns", name)
            return {"Ref": arn, "TopicArn": arn, "TopicName": name}
        if kind == "AWS::SecretsManager::Secret":
            name = self.resolve(props.get("Name", generated))
            return {"Ref": _arn("secretsmanager", f"secret:{name}"), "Name": name}
        if kind == "AWS::Events::Rule":
            name = self.resolve(props.get("Name", generated))
            return {"Ref": name, "Arn": _arn("events", f"rule/{name}")}
        if kind == "AWS::IAM::Role":
            name = self.resolve(props.get("RoleName", generated))
            return {"Ref": name, "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}"}
        if kind == "AWS::ApiGateway::RestApi":
            return {"Ref": self.service, "RootResourceId": "root"}
        if kind == "AWS::SES::EmailIdentity":
            return {"Ref": self.resolve(props["EmailIdentity"])}
        if kind == "AWS::IoT::TopicRule":
            name = self.resolve(props.get("RuleName", logical_id))
            return {"Ref": name, "Arn": _arn("iot", f"rule/{name}")}
        if kind == "AWS::IoT::Policy":
            # CloudFormation's Ref of an IoT policy is its name, the name an operator attaches to a certificate.
            name = self.resolve(props.get("PolicyName", generated))
            return {"Ref": name, "Arn": _arn("iot", f"policy/{name}"), "Id": name}
        return {"Ref": logical_id, "Arn": _arn("local", logical_id)}

    def attributes(self, logical_id: str) -> dict[str, Any]:
        if logical_id not in self.physical:
            if logical_id not in self.resources:
                raise UnresolvableReference(f"{self.service}: no resource {logical_id!r} in the template")
            self.physical[logical_id] = self._default_attributes(logical_id)
        return self.physical[logical_id]

    def set_physical(self, logical_id: str, **attributes: Any) -> None:
        self.physical[logical_id] = {**self.attributes(logical_id), **attributes}

    # --- intrinsic functions --------------------------------------------------------------------------------------
    def _pseudo(self, name: str) -> Any:
        return {
            "AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": self.stack_name, "AWS::NoValue": None,
        }.get(name, _MISSING)

    def ref(self, name: str) -> Any:
        pseudo = self._pseudo(name)
        return pseudo if pseudo is not _MISSING else self.attributes(name)["Ref"]

    def get_att(self, logical_id: str, attribute: str) -> Any:
        attrs = self.attributes(logical_id)
        if attribute not in attrs:
            raise UnresolvableReference(f"{self.service}: {logical_id} has no attribute {attribute!r} locally")
        return attrs[attribute]

    def _sub(self, text: str, variables: dict) -> str:
        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name:
                return str(self.get_att(*name.split(".", 1)))
            return str(self.ref(name))
        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [v for v in (self.resolve(v) for v in value) if v is not None]
        if isinstance(value, str):
            return _EXECUTE_API.sub(lambda m: f"{API_BASE}/{m.group(1)}", value)
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.resolve(self.ref(arg))
            if key == "Fn::GetAtt":
                logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(logical_id, attribute)
            if key == "Fn::Join":
                separator, items = arg
                return self.resolve(separator.join(str(i) for i in self.resolve(items)))
            if key == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else arg
                return self.resolve(self._sub(text, variables))
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Split":
                separator, text = arg
                return self.resolve(text).split(separator)
            if key == "Fn::ImportValue":
                raise UnresolvableReference(
                    f"{self.service}: Fn::ImportValue is not used in this repo; services read each other's outputs "
                    "from env.json")
            if key.startswith("Fn::"):
                raise UnresolvableReference(f"{self.service}: the local cloud does not resolve {key}")
        return {k: self.resolve(v) for k, v in value.items()}

    def outputs(self) -> dict[str, Any]:
        return {name: self.resolve(output["Value"]) for name, output in self.template.get("Outputs", {}).items()}

    def state_machine_definition(self, logical_id: str) -> str:
        definition = self.resolve(self.resources[logical_id]["Properties"]["DefinitionString"])
        return definition if isinstance(definition, str) else json.dumps(definition)


_MISSING = object()
