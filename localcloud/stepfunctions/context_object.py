"""The context object's Execution fields, as AWS fills them.

The gap: moto's context object has no `$$.Execution.RedriveCount`; AWS gives every execution one (0 until it is
redriven), so `$$` and `$$.Execution` differ and a state machine reading the count finds nothing.
"""


def execution_has_redrive_count() -> None:
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    original = ExecutionWorker._get_evaluation_environment
    if getattr(original, "_localcloud_fix", False):
        return

    def _get_evaluation_environment(self):
        env = original(self)
        env.states.context_object.context_object_data["Execution"].setdefault("RedriveCount", 0)
        return env

    _get_evaluation_environment._localcloud_fix = True
    _get_evaluation_environment.__wrapped__ = original
    ExecutionWorker._get_evaluation_environment = _get_evaluation_environment
