"""Settings and adapters of the RDS snapshot service, checked and built once per container."""
from lambda_shared import settings
from lambda_shared.task_callbacks import TaskCallbacks
from rds_snapshot.adapters.rds import RdsSnapshots
from rds_snapshot.adapters.waiters import SnapshotWaiters

WAITERS_TABLE = settings.required("SNAPSHOT_WAITERS_TABLE")

rds = RdsSnapshots()
waiters = SnapshotWaiters(WAITERS_TABLE)
callbacks = TaskCallbacks()
