"""Each JSONPath expression compiled once, not once per evaluation.

The gap (speed): moto's engine calls jsonpath_ng's parse() for every path it evaluates (InputPath, OutputPath,
ResultPath, `.$` parameters, Choice variables), and each parse() builds a new PLY lexer and yacc parser before
reading the expression: on a Pass state that is most of the state's CPU. Fixed: the compiled expression is kept per
text. A compiled jsonpath_ng expression is a tree of immutable path nodes (find/update take the data as argument),
so one is shared by every execution; the parsers themselves are never shared (they hold their parse state).
"""
import functools

KEPT_EXPRESSIONS = 4096


def compile_each_path_once() -> None:
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    for module in (json_path, result_path):   # the two places moto's engine calls parse(): ext and plain grammar
        if getattr(module.parse, "_localcloud_fix", False):
            continue
        parse = functools.lru_cache(maxsize=KEPT_EXPRESSIONS)(module.parse)
        parse._localcloud_fix = True
        module.parse = parse
