"""Each definition parsed on its own, as AWS validates each CreateStateMachine on its own.

The gap: moto's parser keeps the stack of QueryLanguage scopes (JSONPath / JSONata) in a list shared by every
parse (a class attribute of its Preprocessor). A parse that fails part-way (a definition AWS refuses) leaves its
scopes behind, and concurrent parses push onto each other's: after one refused JSONata definition, every later
JSONPath definition is refused with `Cannot downgrade from JSONata context to a JSONPath context` or `Unsupported
declaration in QueryLanguage=JSONPath block`. Fixed: each parse gets its own stack.
"""


def one_scope_stack_per_parse() -> None:
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    original = Preprocessor.__init__
    if getattr(original, "_localcloud_fix", False):
        return

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self._query_language_per_scope = []

    __init__._localcloud_fix = True
    Preprocessor.__init__ = __init__
