"""A state machine definition (ASL) as a graph to draw: nodes and edges, each in its flow ("scope").

The layout itself is not done here: the page lays the graph out with dagre (@dagrejs/dagre, served from
node_modules), where the labels' real sizes in the browser's font are known, so dagre can make room for every edge
label and no label lands on a box or on another label.

Scopes: "" is the machine's own flow; a Parallel's branch i or a Map's item processor is "<state>/<i>". A Parallel
or a Map is a container node listing its scopes, laid out inside it, so nesting of any depth works the same way.
Every scope has its own Start ("<scope>#start") and, when something ends there, End ("<scope>#end") node.

Edge kinds: "next", "choice" (label: the rule), "default", "catch" (label: the errors), "end" (to the End node).
Plain data only; no AWS, no HTTP: tests/unit/test_console_graph.py covers it.
"""
from dataclasses import dataclass, field


@dataclass
class Node:
    id: str                  # unique in the whole graph: a state's name, or "<scope>#start" / "<scope>#end"
    label: str
    type: str                # ASL Type, or "Start" / "End"
    scope: str               # the flow it is drawn in
    parent: str | None = None                            # the container (Parallel / Map) of that flow
    scopes: list[str] = field(default_factory=list)      # a container's own flows, in order

    def as_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "type": self.type, "scope": self.scope, "parent": self.parent,
                "scopes": self.scopes}


@dataclass
class Edge:
    source: str
    target: str
    kind: str                # next | choice | default | catch | end
    scope: str
    label: str = ""

    def as_dict(self) -> dict:
        return {"source": self.source, "target": self.target, "kind": self.kind, "label": self.label,
                "scope": self.scope}


def build_graph(definition: dict) -> dict:
    """{nodes, edges} for a parsed ASL definition, every scope's together, the outer ones first."""
    nodes: list[Node] = []
    edges: list[Edge] = []
    _add_scope(definition, "", None, nodes, edges)
    return {"nodes": [n.as_dict() for n in nodes], "edges": [e.as_dict() for e in edges]}


def state_names(definition: dict) -> list[str]:
    """Every state's name, nested ones included, in definition order."""
    names = []
    for name, state in (definition.get("States") or {}).items():
        names.append(name)
        for sub in _sub_definitions(state):
            names.extend(state_names(sub))
    return names


def _add_scope(definition: dict, scope: str, parent: str | None, nodes: list[Node], edges: list[Edge]) -> None:
    states = definition.get("States") or {}
    start_id, end_id = f"{scope}#start", f"{scope}#end"
    found = [Edge(start_id, definition["StartAt"], "next", scope)] if definition.get("StartAt") in states else []
    for name, state in states.items():
        found += _edges_of(name, state, end_id, scope)
    found = [e for e in found if e.target in states or e.target == end_id]

    nodes.append(Node(start_id, "Start", "Start", scope, parent))
    inner: list[tuple[dict, str, str]] = []
    for name, state in states.items():
        node = Node(name, name, state.get("Type", "?"), scope, parent)
        for index, sub in enumerate(_sub_definitions(state)):
            node.scopes.append(f"{name}/{index}")
            inner.append((sub, f"{name}/{index}", name))
        nodes.append(node)
    if any(e.target == end_id for e in found):
        nodes.append(Node(end_id, "End", "End", scope, parent))
    edges += found
    for sub, sub_scope, container in inner:
        _add_scope(sub, sub_scope, container, nodes, edges)


def _sub_definitions(state: dict) -> list[dict]:
    if state.get("Type") == "Parallel":
        return list(state.get("Branches") or [])
    if state.get("Type") == "Map":
        processor = state.get("ItemProcessor") or state.get("Iterator")
        return [processor] if processor else []
    return []


def _choice_label(rule: dict) -> str:
    if "Condition" in rule:                     # JSONata: the expression, without its {% %} markers
        return str(rule["Condition"]).removeprefix("{%").removesuffix("%}").strip()
    for combinator in ("And", "Or"):
        if combinator in rule:
            parts = [_choice_label(r) for r in rule[combinator]]
            return f" {combinator.lower()} ".join(parts) if len(parts) <= 2 else f"{combinator}({len(parts)} rules)"
    if "Not" in rule:
        return f"not {_choice_label(rule['Not'])}"
    variable = rule.get("Variable", "")
    for key, value in rule.items():
        if key not in ("Variable", "Next", "Comment", "Assign", "Output"):
            return f"{variable} {key} {value}".strip()
    return variable


def _edges_of(name: str, state: dict, end_id: str, scope: str) -> list[Edge]:
    edges = []
    kind = state.get("Type")
    if kind == "Choice":
        for rule in state.get("Choices") or []:
            edges.append(Edge(name, rule["Next"], "choice", scope, rule.get("Comment") or _choice_label(rule)))
        if state.get("Default"):
            edges.append(Edge(name, state["Default"], "default", scope, "Default"))
    if state.get("Next"):
        edges.append(Edge(name, state["Next"], "next", scope))
    if state.get("End") or kind == "Succeed":
        edges.append(Edge(name, end_id, "end", scope))
    for catcher in state.get("Catch") or []:
        edges.append(Edge(name, catcher["Next"], "catch", scope, ", ".join(catcher.get("ErrorEquals") or [])))
    return edges
