"""A state machine definition (ASL) as a drawable graph: nodes with positions and sizes, edges with kinds.

Layout is layered, top to bottom: a state's row is its longest distance from StartAt (back edges of loops are
ignored for this), rows are stacked and the boxes of a row are placed side by side, so no two boxes overlap.
A Parallel or a Map is a container box: each branch (or the item processor) is laid out by the same function and
placed inside it, so nesting of any depth works the same way.

Edge kinds: "next", "choice" (label: the rule), "default", "catch" (label: the errors), "end" (to the End node).
Plain data only; no AWS, no HTTP: tests/unit/test_console_graph.py covers it.
"""
from dataclasses import dataclass, field

NODE_HEIGHT = 36
CHAR_WIDTH = 7.2             # px per character of the 12px sans-serif label, generous
MIN_NODE_WIDTH = 96
TERMINAL_SIZE = 28           # the Start and End circles
H_GAP, V_GAP = 28, 48         # between boxes of a row, between rows
PAD, HEADER = 14, 26          # inside a container: padding, and the container's title bar


@dataclass
class Node:
    id: str                  # unique in the whole graph: a state's name, or "<scope>#start" / "<scope>#end"
    label: str
    type: str                # ASL Type, or "Start" / "End"
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0
    parent: str | None = None          # the container (Parallel / Map) this node is drawn in
    children: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "type": self.type, "x": self.x, "y": self.y,
                "width": self.width, "height": self.height, "parent": self.parent}


@dataclass
class Edge:
    source: str
    target: str
    kind: str                # next | choice | default | catch | end
    label: str = ""

    def as_dict(self) -> dict:
        return {"source": self.source, "target": self.target, "kind": self.kind, "label": self.label}


@dataclass
class _Scope:
    """One flow of states (the machine, a Parallel branch, a Map's item processor) after layout."""
    nodes: list[Node]
    edges: list[Edge]
    width: float
    height: float


def build_graph(definition: dict) -> dict:
    """{nodes, edges, width, height} for a parsed ASL definition; coordinates are absolute, in px."""
    scope = _layout_scope(definition, scope_id="", parent=None)
    return {"nodes": [n.as_dict() for n in scope.nodes], "edges": [e.as_dict() for e in scope.edges],
            "width": scope.width, "height": scope.height}


def state_names(definition: dict) -> list[str]:
    """Every state's name, nested ones included, in definition order."""
    names = []
    for name, state in (definition.get("States") or {}).items():
        names.append(name)
        for sub in _sub_definitions(state):
            names.extend(state_names(sub))
    return names


def _sub_definitions(state: dict) -> list[dict]:
    if state.get("Type") == "Parallel":
        return list(state.get("Branches") or [])
    if state.get("Type") == "Map":
        processor = state.get("ItemProcessor") or state.get("Iterator")
        return [processor] if processor else []
    return []


def _choice_label(rule: dict) -> str:
    if "Condition" in rule:                     # JSONata
        return str(rule["Condition"])
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


def _edges_of(name: str, state: dict, end_id: str) -> list[Edge]:
    edges = []
    kind = state.get("Type")
    if kind == "Choice":
        for index, rule in enumerate(state.get("Choices") or []):
            edges.append(Edge(name, rule["Next"], "choice", rule.get("Comment") or _choice_label(rule)))
        if state.get("Default"):
            edges.append(Edge(name, state["Default"], "default", "Default"))
    if state.get("Next"):
        edges.append(Edge(name, state["Next"], "next"))
    if state.get("End") or kind == "Succeed":
        edges.append(Edge(name, end_id, "end"))
    for catcher in state.get("Catch") or []:
        edges.append(Edge(name, catcher["Next"], "catch", ", ".join(catcher.get("ErrorEquals") or [])))
    return edges


def _layout_scope(definition: dict, scope_id: str, parent: str | None) -> _Scope:
    states = definition.get("States") or {}
    start_id, end_id = f"{scope_id}#start", f"{scope_id}#end"
    edges = [Edge(start_id, definition["StartAt"], "next")] if definition.get("StartAt") in states else []
    for name, state in states.items():
        edges += _edges_of(name, state, end_id)
    edges = [e for e in edges if e.target in states or e.target == end_id]

    # Size every box; a container is laid out first so its size is known.
    boxes: dict[str, Node] = {start_id: Node(start_id, "Start", "Start", width=TERMINAL_SIZE, height=TERMINAL_SIZE,
                                             parent=parent)}
    inner: dict[str, list[_Scope]] = {}
    for name, state in states.items():
        node = Node(name, name, state.get("Type", "?"), parent=parent)
        subs = _sub_definitions(state)
        if subs:
            inner[name] = [_layout_scope(sub, f"{name}/{i}", name) for i, sub in enumerate(subs)]
            node.width = max(_label_width(name) + 2 * PAD,
                             sum(s.width for s in inner[name]) + H_GAP * (len(subs) - 1) + 2 * PAD)
            node.height = HEADER + max(s.height for s in inner[name]) + PAD
        else:
            node.width, node.height = _label_width(name), NODE_HEIGHT
        boxes[name] = node
    if any(e.target == end_id for e in edges):
        boxes[end_id] = Node(end_id, "End", "End", width=TERMINAL_SIZE, height=TERMINAL_SIZE, parent=parent)

    rows = _rows(list(boxes), edges, start_id)
    _order_rows(rows, edges)
    width, height = _place(rows, boxes)

    nodes = []
    for node_id in (n for row in rows for n in row):
        node = boxes[node_id]
        nodes.append(node)
        if node_id in inner:
            x = node.x + (node.width - sum(s.width for s in inner[node_id]) - H_GAP * (len(inner[node_id]) - 1)) / 2
            for sub in inner[node_id]:
                for child in sub.nodes:
                    child.x += x
                    child.y += node.y + HEADER
                    node.children.append(child.id)
                nodes += sub.nodes
                edges += sub.edges
                x += sub.width + H_GAP
    return _Scope(nodes, edges, width, height)


def _label_width(label: str) -> float:
    return max(MIN_NODE_WIDTH, len(label) * CHAR_WIDTH + 24)


def _rows(node_ids: list[str], edges: list[Edge], start_id: str) -> list[list[str]]:
    """Longest-path layering from Start, over the edges that are not back edges (found by a DFS)."""
    successors: dict[str, list[str]] = {n: [] for n in node_ids}
    for edge in edges:
        if edge.target not in successors[edge.source]:
            successors[edge.source].append(edge.target)
    back: set[tuple[str, str]] = set()
    colour: dict[str, int] = {}          # 1 = on the DFS stack, 2 = done

    def visit(root: str) -> None:
        stack = [(root, iter(successors[root]))]
        colour[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                colour[node] = 2
                stack.pop()
            elif colour.get(child) == 1:
                back.add((node, child))
            elif child not in colour:
                colour[child] = 1
                stack.append((child, iter(successors[child])))

    for root in [start_id] + node_ids:   # unreachable states still get drawn
        if root not in colour:
            visit(root)
    forward = {n: [c for c in successors[n] if (n, c) not in back] for n in node_ids}
    indegree = {n: 0 for n in node_ids}
    for children in forward.values():
        for child in children:
            indegree[child] += 1
    layer = {n: 0 for n in node_ids}
    ready = [n for n in node_ids if indegree[n] == 0]
    while ready:                          # Kahn's order: a node's layer is final when all its parents are placed
        node = ready.pop(0)
        for child in forward[node]:
            layer[child] = max(layer[child], layer[node] + 1)
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    others = [layer[n] for n in node_ids if not n.endswith("#end")]
    for node in node_ids:                # the End circle sits alone, below everything
        if node.endswith("#end"):
            layer[node] = max(others, default=0) + 1
    rows: list[list[str]] = [[] for _ in range(max(layer.values()) + 1)]
    for node in node_ids:
        rows[layer[node]].append(node)
    return [row for row in rows if row]


def _order_rows(rows: list[list[str]], edges: list[Edge]) -> None:
    """Fewer crossings: order each row by the mean position of its parents (barycentre), a few sweeps down."""
    parents: dict[str, list[str]] = {}
    for edge in edges:
        parents.setdefault(edge.target, []).append(edge.source)
    for _ in range(2):
        position = {n: i for row in rows for i, n in enumerate(row)}
        for row in rows[1:]:
            def barycentre(node: str) -> float:
                placed = [position[p] for p in parents.get(node, []) if p in position]
                return sum(placed) / len(placed) if placed else position[node]
            row.sort(key=lambda n: (barycentre(n), position[n]))
            position.update({n: i for i, n in enumerate(row)})


def _place(rows: list[list[str]], boxes: dict[str, Node]) -> tuple[float, float]:
    row_widths = [sum(boxes[n].width for n in row) + H_GAP * (len(row) - 1) for row in rows]
    width = max(row_widths) if row_widths else TERMINAL_SIZE
    y = 0.0
    for row, row_width in zip(rows, row_widths):
        row_height = max(boxes[n].height for n in row)
        x = (width - row_width) / 2
        for node_id in row:
            node = boxes[node_id]
            node.x, node.y = x, y + (row_height - node.height) / 2
            x += node.width + H_GAP
        y += row_height + V_GAP
    return width, y - V_GAP
