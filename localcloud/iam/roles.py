"""The templates' IAM roles, and the sessions the local cloud hands out in them.

Every AWS::IAM::Role of every template is created in moto's IAM (so `aws iam get-role` shows it, and a policy
changed there counts from the next request). A function runs with credentials of a session in its role, as Lambda
assumes the role for it; a state machine's tasks use a session in the state machine's role. A role that its
service may not assume (its trust policy) is refused at start, as the deploy would be.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass

from localcloud.iam.policy import evaluate

ACCOUNT = "123456789012"


class RoleNotAssumable(RuntimeError):
    pass


@dataclass(frozen=True)
class RoleSession:
    role_name: str
    session_name: str
    access_key_id: str
    secret_access_key: str
    session_token: str

    @property
    def role_arn(self) -> str:
        return f"arn:aws:iam::{ACCOUNT}:role/{self.role_name}"

    @property
    def arn(self) -> str:
        """The principal AWS names in an AccessDenied message."""
        return f"arn:aws:sts::{ACCOUNT}:assumed-role/{self.role_name}/{self.session_name}"

    def environment(self) -> dict[str, str]:
        """What Lambda puts in a function's environment."""
        return {"AWS_ACCESS_KEY_ID": self.access_key_id, "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
                "AWS_SESSION_TOKEN": self.session_token}


def role_name(role_arn: str) -> str:
    return role_arn.rsplit("/", 1)[-1]


class Roles:
    """clients(service) -> an administrator's boto3 client of the local cloud (to create roles, assume them)."""

    def __init__(self, clients):
        self._clients = clients
        self._sessions: dict[str, RoleSession] = {}          # access key id -> session
        self._by_role: dict[tuple[str, str], RoleSession] = {}
        self._lock = threading.Lock()

    def create(self, name: str, properties: dict) -> None:
        """An AWS::IAM::Role's resolved Properties, created in IAM with its inline and managed policies."""
        iam = self._clients("iam")
        iam.create_role(RoleName=name, Path=properties.get("Path", "/"),
                        AssumeRolePolicyDocument=json.dumps(properties["AssumeRolePolicyDocument"]))
        for policy in properties.get("Policies", []):
            iam.put_role_policy(RoleName=name, PolicyName=policy["PolicyName"],
                                PolicyDocument=json.dumps(policy["PolicyDocument"]))
        for arn in properties.get("ManagedPolicyArns", []):
            iam.attach_role_policy(RoleName=name, PolicyArn=arn)

    def session(self, role_arn: str, session_name: str, service_principal: str) -> RoleSession:
        """Credentials of a session in role_arn, as `service_principal` (lambda.amazonaws.com...) assumes it."""
        key = (role_arn, session_name)
        with self._lock:
            if key in self._by_role:
                return self._by_role[key]
        name = role_name(role_arn)
        trust = self._clients("iam").get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
        if not _trusts(trust, service_principal):
            raise RoleNotAssumable(f"The role defined for {session_name} cannot be assumed by "
                                   f"{service_principal.split('.')[0].capitalize()}: {role_arn}'s trust policy "
                                   f"does not allow {service_principal} to sts:AssumeRole")
        credentials = self._clients("sts").assume_role(RoleArn=role_arn, RoleSessionName=session_name[:64],
                                                       DurationSeconds=43200)["Credentials"]
        session = RoleSession(name, session_name[:64], credentials["AccessKeyId"], credentials["SecretAccessKey"],
                              credentials["SessionToken"])
        with self._lock:
            self._sessions[session.access_key_id] = session
            self._by_role[key] = session
        return session

    def session_of(self, access_key_id: str) -> RoleSession | None:
        return self._sessions.get(access_key_id)

    def policies(self, name: str) -> list[dict]:
        """The role's policy documents as IAM holds them now: inline ones and attached managed ones."""
        from moto.iam.access_control import IAMPolicy
        from moto.iam.models import iam_backends

        backend = iam_backends[ACCOUNT]["aws"]
        documents = [backend.get_role_policy(name, policy)[1] for policy in backend.list_role_policies(name)]
        attached, _ = backend.list_attached_role_policies(name)
        # moto's IAMPolicy reads a managed policy's default version.
        return [json.loads(d) if isinstance(d, str) else d for d in documents] + \
               [IAMPolicy(policy)._policy_json for policy in attached]


def _trusts(trust_policy, service_principal: str, region: str = "us-east-1") -> bool:
    """Does the trust policy let the service assume the role? A service may be named globally
    (states.amazonaws.com) or per region (states.us-east-1.amazonaws.com), and AWS accepts both."""
    service = service_principal.split(".", 1)[0]
    names = {service_principal, f"{service}.{region}.amazonaws.com"}
    policy = json.loads(trust_policy) if isinstance(trust_policy, str) else trust_policy
    statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
    for statement in statements:
        principals = (statement.get("Principal") or {}).get("Service", [])
        principals = [principals] if isinstance(principals, str) else principals
        if names & set(principals):
            one = {**statement, "Resource": "*"}
            one.pop("Principal", None)
            if evaluate([{"Statement": [one]}], "sts:AssumeRole", ["*"]).allowed:
                return True
    return False
