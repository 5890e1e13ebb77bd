"""An execution has its evaluation environment from the moment StartExecution answers.

The gap: moto's ExecutionWorker builds its Environment in the execution's own thread, after parsing the definition.
Until then the execution is listed RUNNING with exec_worker.env None, and every call that looks a task token up
among the running executions fails with AttributeError, a 500, whatever task it was for: SendTaskSuccess,
SendTaskFailure, SendTaskHeartbeat (moto's backend), GetActivityTask (activities.py). Under load the window is wide:
the bench soak saw 108 such 500s in 120 s, and a heartbeat lost that way ended an activity run as WorkerLost.
On AWS a call for one task never fails because another execution is starting.
Fixed: start() builds the environment before the thread starts, and the thread evaluates with that one.
"""


def executions_start_with_their_environment() -> None:
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    original = ExecutionWorker.start
    if getattr(original, "_localcloud_fix", False):
        return

    def start(self):
        env = self._get_evaluation_environment()
        self.env = env
        # _execution_logic (in the thread) asks for the environment again: it gets this one, not a second.
        self._get_evaluation_environment = lambda: env
        original(self)

    start._localcloud_fix = True
    start.__wrapped__ = original
    ExecutionWorker.start = start
