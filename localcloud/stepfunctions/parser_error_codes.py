"""The engine's API errors answer their error code, as AWS's do (InvalidDefinition, TaskTimedOut...).

The gap: the errors moto's engine backend raises (the classes of moto.stepfunctions.parser.api, ported from
LocalStack) name their code in a `code` attribute that moto's error class never reads: it answers the code of its
`TYPE`, which they leave unset. A definition the parser refuses is answered `An error occurred ()` with no code
where AWS answers InvalidDefinition, and the same holds for every other error of that module (TaskTimedOut,
TaskDoesNotExist, ActivityDoesNotExist, ...); those raised with no message fail to be built at all (a 500).
Fixed: each such class answers the code it names, with its status, and its own message when raised without one.
"""


def parser_errors_answer_their_code() -> None:
    from moto.core.exceptions import AWSError
    from moto.stepfunctions.parser import api

    if getattr(api, "_localcloud_error_codes", False):
        return
    api._localcloud_error_codes = True

    def __init__(self, message=None, exception_type=None, status=None):
        AWSError.__init__(self, type(self).__dict__.get("message", "") if message is None else message,
                          exception_type, status)

    for error in vars(api).values():
        if isinstance(error, type) and issubclass(error, AWSError) and error.TYPE is None and isinstance(
                error.__dict__.get("code"), str):
            error.TYPE = error.__dict__["code"]
            error.STATUS = error.__dict__.get("status_code", AWSError.STATUS)
            error.__init__ = __init__
