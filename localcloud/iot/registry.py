"""The IoT registry as the gateway reads it: moto's iot backend, in this process, at the moment of each check.

Nothing is copied or cached: a certificate deactivated, a policy attached, detached or given a new default version
through the IoT API counts from the next check, as on AWS. Reads are plain dict lookups (moto's request threads write
the same dicts; a lookup or a list() of them is atomic under the GIL).
"""
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Callable

from localcloud.cloudformation.stack import ACCOUNT, REGION


def _default_backend():
    from moto.iot.models import iot_backends

    return iot_backends[ACCOUNT][REGION]


def certificate_id(certificate_der: bytes) -> str:
    """AWS IoT's certificate id: the SHA-256 of the certificate's DER encoding, in hex."""
    return hashlib.sha256(certificate_der).hexdigest()


@dataclass(frozen=True)
class RegisteredCertificate:
    certificate_id: str
    arn: str
    status: str             # ACTIVE, INACTIVE, REVOKED, PENDING_TRANSFER, ...

    @property
    def active(self) -> bool:
        return self.status == "ACTIVE"


@dataclass(frozen=True)
class Thing:
    name: str
    type_name: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


class Registry:
    def __init__(self, backend: Callable[[], Any] = _default_backend):
        self._backend = backend
        self._parsed: dict[str, dict] = {}      # policy document text -> parsed, so a document is parsed once

    def certificate(self, certificate_der: bytes) -> RegisteredCertificate | None:
        """The registered certificate with this DER encoding (AWS's id is its SHA-256), or None."""
        found = self._backend().certificates.get(certificate_id(certificate_der))
        if found is None:
            return None
        return RegisteredCertificate(found.certificate_id, found.arn, found.status)

    def policies(self, principal_arn: str) -> list[dict]:
        """The default version of every policy attached to the principal, parsed."""
        attached = [policy for (principal, _), (_, policy) in list(self._backend().principal_policies.items())
                    if principal == principal_arn]
        return [self._parse(_default_document(policy)) for policy in attached]

    def attached_thing(self, principal_arn: str, thing_name: str) -> Thing | None:
        """The thing of that name, if it is attached to the principal (AttachThingPrincipal)."""
        backend = self._backend()
        entry = backend.principal_things.get((principal_arn, thing_name))
        if entry is None:
            return None
        thing = next((t for t in list(backend.things.values()) if t.thing_name == thing_name), entry[1])
        type_name = thing.thing_type.thing_type_name if thing.thing_type else None
        return Thing(thing.thing_name, type_name, {k: str(v) for k, v in (thing.attributes or {}).items()})

    def _parse(self, document: str | dict) -> dict:
        if isinstance(document, dict):
            return document
        parsed = self._parsed.get(document)
        if parsed is None:
            parsed = self._parsed[document] = json.loads(document)
        return parsed


def _default_document(policy) -> str | dict:
    for version in list(policy.versions):
        if version.is_default:
            return version.document
    return policy.document
