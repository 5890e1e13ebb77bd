"""Settings and adapters of the third-party API, checked and built once per container."""
from lambda_shared import settings
from lambda_shared.task_callbacks import TaskCallbacks

LIMIT = settings.required_int("DOUBLE_LIMIT")
callbacks = TaskCallbacks()
