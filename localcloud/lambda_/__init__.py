"""AWS Lambda, locally: functions run from what deploys, in warm worker processes, as the python3.12 runtime runs them.

- artifacts.py: a service's deployment package and its layers, unpacked read-only (LAMBDA_TASK_ROOT, /opt).
- runtime.py: pools of warm workers per function, invocations, timeouts, AWS-shaped errors (the Invoke API).
- bootstrap.py: the worker itself (the runtime interface client): stdlib only, run with the runtime's libraries.
"""
