"""What IAM sees of one AWS API request: who signed it, which operation of which service, and on what.

The service comes from the SigV4 credential scope, the operation from botocore's own service models: by
X-Amz-Target (JSON protocol), by the Action parameter (query protocol), by method and path against each
operation's requestUri (REST protocols, the most specific template wins). moto ships exactly that router and the
matching request parsers over botocore's models (moto.core.routing, moto.core.parse), so they are used here
rather than written again. What each operation acts on, in IAM's terms, is operations.py.
"""
from __future__ import annotations

import functools
import json
import os
import re
import threading
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlencode

import botocore.loaders
from moto.core.parse import PROTOCOL_PARSERS
from moto.core.request import Request, determine_request_protocol
from moto.core.routing import get_service_router
from moto.core.utils import get_service_model
from werkzeug.exceptions import NotFound

from localcloud.iam.names import MotoNames, NameLookup
from localcloud.iam.operations import (ANY, IAM_PREFIX_BY_SIGNING_NAME, NO_PERMISSION_NEEDED, Permission, Where,
                                       permissions)

__all__ = ["AwsCall", "MotoNames", "NameLookup", "Permission", "identify"]


@dataclass(frozen=True)
class AwsCall:
    signing_name: str            # from the credential scope: "dynamodb", "states", "iotdata", "ses", ...
    service: str                 # the IAM service prefix: "dynamodb", "states", "iot" (for iotdata too), ...
    operation: str               # botocore operation name: "PutItem", "Invoke", "Publish"
    action: str                  # IAM action: "dynamodb:PutItem", "lambda:InvokeFunction", "iot:Publish"
    resources: tuple[str, ...]   # every ARN the action is evaluated on; ("*",) where AWS allows no resource-level one
    resource_mapped: bool        # False when this module does not know the operation's resources (then ("*",))
    protocol: str                # the request's botocore protocol: "json", "query", "rest-json", "rest-xml"
    access_key_id: str
    params: dict                 # the request's parsed input parameters
    api: str = ""                # botocore's name of the service model ("stepfunctions", "iot-data"); "" if none
    needs_permission: bool = True    # False for the few operations no policy governs (sts:GetCallerIdentity)
    further_permissions: tuple[Permission, ...] = ()   # beyond action on resources: a DynamoDB transaction's items

    @property
    def permissions(self) -> tuple[Permission, ...]:
        """Every (action, resources) IAM must allow, in the order the request names them."""
        return (Permission(self.action, self.resources), *self.further_permissions)


def identify(method: str, path: str, query: Mapping[str, list[str]], headers: Mapping[str, str], body: bytes,
             *, region: str, account: str, names: NameLookup) -> AwsCall | None:
    """The AWS API call a request makes, or None if it is not one IAM can judge: not SigV4-signed, or (REST) no
    operation's route matches it, so there is no action to evaluate and the service refuses it on its own.

    `path` is the path as sent, still percent-encoded (werkzeug: environ["RAW_URI"]): an iot-data topic or a Lambda
    ARN travels in one path segment, its slashes encoded."""
    headers = {name.lower(): value for name, value in headers.items()}
    signature = _credential_scope(headers.get("authorization", ""), query)
    if signature is None:
        return None
    access_key_id, signing_name = signature
    prefix = IAM_PREFIX_BY_SIGNING_NAME.get(signing_name, signing_name)
    request = _as_request(method, path.split("?", 1)[0], query, headers, body)
    found = _modelled_operation(signing_name, request)
    if found is None:
        return _unmodelled_operation(signing_name, prefix, request, access_key_id)
    api, operation, protocol, params = found
    needed, mapped = _permissions_or_any(api, prefix, operation, params, Where(region, account, names))
    first, *others = needed
    return AwsCall(signing_name=signing_name, service=prefix, operation=operation, action=first.action,
                   resources=first.resources, resource_mapped=mapped, protocol=protocol, access_key_id=access_key_id,
                   params=params, api=api, needs_permission=(api, operation) not in NO_PERMISSION_NEEDED,
                   further_permissions=tuple(others))


# --- the signature --------------------------------------------------------------------------------------------------
# Credential=<access key id>/<yyyymmdd>/<region>/<signing name>/aws4_request
_CREDENTIAL = re.compile(r"^([^/\s,]+)/\d{8}/[^/\s,]+/([^/\s,]+)/aws4_request$")


def _credential_scope(authorization: str, query: Mapping[str, list[str]]) -> tuple[str, str] | None:
    """(access key id, signing name) of a SigV4 signature, in the Authorization header or a presigned URL."""
    if authorization.startswith("AWS4-HMAC-SHA256 "):
        fields = dict(part.strip().split("=", 1) for part in authorization[17:].split(",") if "=" in part)
        credential = fields.get("Credential", "")
    elif (query.get("X-Amz-Algorithm") or [""])[0] == "AWS4-HMAC-SHA256":
        credential = (query.get("X-Amz-Credential") or [""])[0]
    else:
        return None
    match = _CREDENTIAL.match(credential)
    return (match.group(1), match.group(2)) if match else None


# --- the operation --------------------------------------------------------------------------------------------------
def _as_request(method: str, path: str, query: Mapping[str, list[str]], headers: dict, body: bytes) -> Request:
    query_string = urlencode([(name, value) for name, values in query.items() for value in values])
    request = Request.from_values(method=method, path=path, query_string=query_string, headers=list(headers.items()),
                                  data=body)
    request.environ["RAW_URI"] = path    # the router matches the encoded path (moto's Request.raw_path)
    return request


def _modelled_operation(signing_name: str, request: Request) -> tuple[str, str, str, dict] | None:
    """(botocore service, operation name, protocol, parsed input) from the first model signed as `signing_name`
    that routes the request: the likely model first (one file), every model signed so only if it does not."""
    found = _routed(_likely_apis(signing_name), request)
    if found is None:
        others = tuple(api for api in _apis_signed_as(signing_name) if api not in _likely_apis(signing_name))
        found = _routed(others, request)
    return found


def _routed(apis: tuple[str, ...], request: Request) -> tuple[str, str, str, dict] | None:
    for api in apis:
        try:
            operation, uri_params = get_service_router(api).match(request)
            protocol = determine_request_protocol(get_service_model(api), request.content_type)
        except (NotFound, NotImplementedError):   # no route in this model, or a protocol it does not speak
            continue
        params = PROTOCOL_PARSERS[protocol](operation).parse({
            "method": request.method, "values": request.values, "headers": request.headers,
            "body": request.get_data(), "url_path": request.path, "url_params": uri_params})
        return api, operation.name, protocol, params
    return None


def _unmodelled_operation(signing_name: str, prefix: str, request: Request, access_key_id: str) -> AwsCall | None:
    """An operation no botocore model knows (a newer API, a service botocore lacks) still names itself in the
    JSON and query protocols, and is authorized as prefix:Operation on "*"; a REST one cannot be named."""
    target = request.headers.get("X-Amz-Target", "")
    if target:
        operation, protocol = target.rpartition(".")[2], "json"
        try:
            params = json.loads(request.get_data() or b"{}")
        except ValueError:
            params = {}
    elif request.values.get("Action"):
        operation, protocol = request.values["Action"], "query"
        params = request.values.to_dict()
    else:
        return None
    return AwsCall(signing_name=signing_name, service=prefix, operation=operation, action=f"{prefix}:{operation}",
                   resources=ANY, resource_mapped=False, protocol=protocol, access_key_id=access_key_id,
                   params=params)


def _permissions_or_any(api: str, prefix: str, operation: str, params: dict, at: Where
                        ) -> tuple[tuple[Permission, ...], bool]:
    try:
        needed, mapped = permissions(api, prefix, operation, params, at)
    except (KeyError, TypeError, AttributeError):
        # A request without the parameters that name its resource is invalid; the service will say so, but IAM
        # decides first, on "*".
        needed, mapped = (), False
    return (needed or (Permission(f"{prefix}:{operation}", ANY),)), mapped and bool(needed)


# Signing names whose model is named otherwise; every other model is named like its signing name.
_MODEL_OF_SIGNING_NAME = {"states": "stepfunctions", "iotdata": "iot-data", "email": "ses", "monitoring": "cloudwatch",
                          "execute-api": "apigateway", "tagging": "resourcegroupstaggingapi"}
_index_lock = threading.Lock()


@functools.cache
def _likely_apis(signing_name: str) -> tuple[str, ...]:
    """The model a signing name most likely belongs to, if botocore has it and it is signed so: one model file read,
    where the complete index costs a read of every model (about a second, and many times that while functions
    start: the first requests of a local cloud all come at once)."""
    api = _MODEL_OF_SIGNING_NAME.get(signing_name, signing_name)
    loader = _loader()
    if api not in loader.list_available_services("service-2"):
        return ()
    metadata = _model_file(loader, api)["metadata"]
    return (api,) if (metadata.get("signingName") or metadata["endpointPrefix"]) == signing_name else ()


@functools.cache
def _loader() -> botocore.loaders.Loader:
    return botocore.loaders.create_loader()


def _apis_signed_as(signing_name: str) -> tuple[str, ...]:
    with _index_lock:     # built once, by whichever request needs it first
        return _botocore_services_by_signing_name().get(signing_name, ())


@functools.cache
def _botocore_services_by_signing_name() -> dict[str, tuple[str, ...]]:
    """Every botocore service model, by the name its requests are signed with: "states" -> stepfunctions, "ses"
    -> ses, sesv2 (and two more). Read once (about a second): each model's metadata is kept, the model is not."""
    loader = _loader()
    found: dict[str, list[str]] = {}
    for api in loader.list_available_services("service-2"):
        metadata = _model_file(loader, api)["metadata"]
        found.setdefault(metadata.get("signingName") or metadata["endpointPrefix"], []).append(api)
    # The model named like its signing name first: rds before docdb and neptune, which speak the same Actions.
    return {name: tuple(sorted(apis, key=lambda api: (api != name, api))) for name, apis in found.items()}


def _model_file(loader: botocore.loaders.Loader, api: str) -> dict:
    # loader.load_service_model would cache all ~400 models (over 300 MB); the file loader reads and lets go.
    version = loader.determine_latest_version(api, "service-2")
    for search_path in loader.search_paths:
        model = loader.file_loader.load_file(os.path.join(search_path, api, version, "service-2"))
        if model:
            return model
    raise FileNotFoundError(f"botocore lists {api} but has no model for it")
