"""The console's graph of a definition: every state once, in its flow, edges of the right kind. Where the boxes and
labels land is dagre's work in the page, checked in a browser (tests/e2e/test_console.py)."""
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


def test_parallel_and_map_hold_their_flows_and_every_state_is_there_once():
    # Given a Parallel of two branches, then a Map whose items loop
    # When it is drawn
    graph = build_graph(NESTED)
    nodes = {n["id"]: n for n in graph["nodes"]}
    # Then every state, nested ones too, is a node exactly once
    assert sorted(n["id"] for n in graph["nodes"] if not n["id"].endswith(("#start", "#end"))) == \
        sorted(state_names(NESTED))
    # And each container lists its flows, whose states and terminals name it as their parent
    assert nodes["Fan"]["scopes"] == ["Fan/0", "Fan/1"] and nodes["Each"]["scopes"] == ["Each/0"]
    for child, scope in (("A1", "Fan/0"), ("A2", "Fan/0"), ("B1", "Fan/1"), ("Fan/0#start", "Fan/0"),
                         ("Fan/1#end", "Fan/1"), ("Item", "Each/0"), ("ItemDone", "Each/0")):
        assert (nodes[child]["parent"], nodes[child]["scope"]) == (scope.split("/")[0], scope)
    # And every edge stays inside one flow; the loop back to Item is still an edge
    for edge in graph["edges"]:
        assert nodes[edge["source"]]["scope"] == nodes[edge["target"]]["scope"] == edge["scope"], edge
    assert ("Again", "Item") in _edges(graph, "choice")


def test_a_jsonata_choice_is_labelled_by_its_expression_without_the_markers():
    # Given a JSONata Choice rule, as the RDS poller writes them
    definition = {"QueryLanguage": "JSONata", "StartAt": "Ready?", "States": {
        "Ready?": {"Type": "Choice", "Default": "Done",
                   "Choices": [{"Condition": "{% $snapshot.status = 'available' %}", "Next": "Done"}]},
        "Done": {"Type": "Succeed"}}}
    # When it is drawn
    graph = build_graph(definition)
    # Then the edge reads as the condition, not as the template around it
    assert [e["label"] for e in graph["edges"] if e["kind"] == "choice"] == ["$snapshot.status = 'available'"]
