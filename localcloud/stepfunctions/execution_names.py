"""StartExecution without a name, as AWS answers it.

The gap: moto's engine backend records a nameless execution under the name None, so a second nameless start fails
with ExecutionAlreadyExists. AWS generates a UUID. Fixed at the edge, before moto sees the request.
"""
import json
import uuid


def fill_execution_name(body: bytes) -> bytes:
    """Give a nameless StartExecution the UUID name AWS would generate."""
    try:
        request = json.loads(body or b"{}")
    except json.JSONDecodeError:
        return body   # let moto answer the malformed request as AWS would
    if request.get("name"):
        return body
    request["name"] = str(uuid.uuid4())
    return json.dumps(request).encode()


# X-Amz-Target -> request body rewrite, applied by the edge before moto sees the request.
REQUEST_FIXES = {
    "AWSStepFunctions.StartExecution": fill_execution_name,
    "AWSStepFunctions.StartSyncExecution": fill_execution_name,
}
