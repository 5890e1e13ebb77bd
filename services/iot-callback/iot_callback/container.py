"""Settings and adapters of the iot-callback service, checked and built once per container."""
from iot_callback.adapters.executions import Executions
from iot_callback.adapters.publisher import IotPublisher
from iot_callback.adapters.store import JobStore
from lambda_shared import settings
from lambda_shared.idempotency import IdempotentRequests
from lambda_shared.task_callbacks import TaskCallbacks

TABLE_NAME = settings.required("JOBS_TABLE")
STATE_MACHINE_ARN = settings.required("JOB_STATE_MACHINE_ARN")
HEARTBEAT_SECONDS = settings.required_int("JOB_HEARTBEAT_SECONDS")
IDEMPOTENCY_TABLE = settings.required("IDEMPOTENCY_TABLE")

store = JobStore(TABLE_NAME)
publisher = IotPublisher()
executions = Executions(STATE_MACHINE_ARN)
callbacks = TaskCallbacks()
job_requests = IdempotentRequests(IDEMPOTENCY_TABLE, "POST /jobs")
