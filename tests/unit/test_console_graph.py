"""The console's graph of a definition: every state drawn once, edges of the right kind, no two boxes overlapping."""
from itertools import combinations

from localcloud.console.graph import build_graph, state_names

APPROVAL_LIKE = {
    "StartAt": "IsValid",
    "States": {
        "IsValid": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "Work"}],
                    "Default": "Invalid"},
        "Invalid": {"Type": "Fail", "Error": "Invalid"},
        "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Done",
                 "Catch": [{"ErrorEquals": ["Boom"], "Next": "Broken"}]},
        "Broken": {"Type": "Fail"},
        "Done": {"Type": "Pass", "End": True},
    },
}

NESTED = {
    "StartAt": "Fan",
    "States": {
        "Fan": {"Type": "Parallel", "Next": "Each", "Branches": [
            {"StartAt": "A1", "States": {"A1": {"Type": "Pass", "Next": "A2"}, "A2": {"Type": "Pass", "End": True}}},
            {"StartAt": "B1", "States": {"B1": {"Type": "Wait", "Seconds": 1, "End": True}}},
        ]},
        "Each": {"Type": "Map", "End": True, "ItemProcessor": {"StartAt": "Item", "States": {
            "Item": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Again"},
            "Again": {"Type": "Choice", "Choices": [{"Variable": "$.more", "BooleanEquals": True, "Next": "Item"}],
                      "Default": "ItemDone"},
            "ItemDone": {"Type": "Succeed"}}}},
    },
}


def _boxes_overlap(a, b) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
        a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def _inside(child, parent) -> bool:
    return parent["x"] <= child["x"] and child["x"] + child["width"] <= parent["x"] + parent["width"] and \
        parent["y"] <= child["y"] and child["y"] + child["height"] <= parent["y"] + parent["height"]


def _edges(graph, kind):
    return {(e["source"], e["target"]) for e in graph["edges"] if e["kind"] == kind}


def test_choice_default_catch_and_end_edges_have_their_own_kinds():
    # Given a definition with a Choice, a Default, a Catch and an End
    # When it is drawn
    graph = build_graph(APPROVAL_LIKE)
    # Then each kind of transition is its own kind of edge
    assert _edges(graph, "choice") == {("IsValid", "Work")}
    assert _edges(graph, "default") == {("IsValid", "Invalid")}
    assert _edges(graph, "catch") == {("Work", "Broken")}
    assert _edges(graph, "next") == {("#start", "IsValid"), ("Work", "Done")}
    assert _edges(graph, "end") == {("Done", "#end")}
    assert [e["label"] for e in graph["edges"] if e["kind"] == "catch"] == ["Boom"]


def test_rows_follow_the_flow_from_start_to_end():
    graph = build_graph(APPROVAL_LIKE)
    y = {n["id"]: n["y"] for n in graph["nodes"]}
    assert y["#start"] < y["IsValid"] < y["Work"] < y["Done"] < y["#end"]


def test_parallel_and_map_contain_their_states_and_nothing_overlaps():
    graph = build_graph(NESTED)
    nodes = {n["id"]: n for n in graph["nodes"]}
    # Every state, nested ones too, is drawn exactly once
    assert sorted(n["id"] for n in graph["nodes"] if not n["id"].endswith(("#start", "#end"))) == \
        sorted(state_names(NESTED))
    # Branch states sit inside their container
    for child in ("A1", "A2", "B1", "Fan/0#start", "Fan/1#end"):
        assert nodes[child]["parent"] == "Fan" and _inside(nodes[child], nodes["Fan"])
    for child in ("Item", "Again", "ItemDone"):
        assert nodes[child]["parent"] == "Each" and _inside(nodes[child], nodes["Each"])
    # Boxes of the same container never overlap
    for a, b in combinations(graph["nodes"], 2):
        if a["parent"] == b["parent"]:
            assert not _boxes_overlap(a, b), (a["id"], b["id"])
    # The loop back to Item is still an edge
    assert ("Again", "Item") in _edges(graph, "choice")


def test_twenty_states_laid_out_without_overlap():
    states = {}
    for i in range(20):
        state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke"}
        if i % 4 == 0 and i + 2 < 20:
            state = {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": True, "Next": f"S{i + 1}"}],
                     "Default": f"S{i + 2}"}
        elif i < 19:
            state["Next"] = f"S{i + 1}"
            state["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": "S19"}]
        else:
            state["End"] = True
        states[f"S{i}"] = state
    graph = build_graph({"StartAt": "S0", "States": states})
    assert len(graph["nodes"]) == 22
    for a, b in combinations(graph["nodes"], 2):
        assert not _boxes_overlap(a, b), (a["id"], b["id"])
    assert all(0 <= n["x"] and n["x"] + n["width"] <= graph["width"] + 0.001 for n in graph["nodes"])
