"""Each definition parsed once, not once per execution.

The gap (speed): moto's engine parses the definition with its ANTLR parser and preprocessor on every
StartExecution (ExecutionWorker._get_evaluation_entrypoint), besides CreateStateMachine's validation and every
DescribeStateMachineForExecution; a parse of a 10-state machine costs more CPU than running it. Fixed: the parse is
kept per definition text (a parse that refuses a definition raises, and is not kept). The parsed program is shared
by the executions of one definition, as moto's Map already shares one parsed iterator between its concurrent
iterations: components keep nothing of a run; what a run changes lives in its own Environment (stack, heap,
context object).
"""
import functools

# Definitions deployed at once stay well below this; the bound keeps a long session that updates one machine
# many times from keeping every old definition.
KEPT_DEFINITIONS = 512


def parse_each_definition_once() -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    original = AmazonStateLanguageParser.__dict__["parse"].__func__
    if getattr(original, "_localcloud_fix", False):
        return
    parse = functools.lru_cache(maxsize=KEPT_DEFINITIONS)(original)
    parse._localcloud_fix = True
    AmazonStateLanguageParser.parse = staticmethod(parse)
