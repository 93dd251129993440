"""The JSONata query language: Arguments, Output, Assign with its scoping rules, $states and
Condition, and the cause AWS gives when an expression returns nothing."""

from __future__ import annotations

import json


def test_variables_across_states(run):
    definition = {"QueryLanguage": "JSONata", "StartAt": "Init", "States": {
        "Init": {"Type": "Pass", "Assign": {"total": "{% $states.input.start %}", "seen": []}, "Next": "Add"},
        "Add": {"Type": "Pass", "Assign": {"total": "{% $total + 5 %}", "before": "{% $total %}"},
                "Output": {"old": "{% $total %}"}, "Next": "Check"},
        "Check": {"Type": "Choice", "Choices": [{"Condition": "{% $total > 10 %}", "Next": "Big"}],
                  "Default": "Small"},
        "Big": {"Type": "Pass", "Output": {"size": "big", "total": "{% $total %}", "before": "{% $before %}",
                                           "input": "{% $states.input %}"}, "End": True},
        "Small": {"Type": "Pass", "Output": "{% 'small' %}", "End": True}}}  # fmt: skip
    done = run(definition, {"start": 7})
    assert json.loads(done["output"]) == {"size": "big", "total": 12, "before": 7, "input": {"old": 7}}
    assert json.loads(run(definition, {"start": 1})["output"]) == "small"


def test_map_iterations_see_outer_variables_but_do_not_leak(run):
    definition = {"QueryLanguage": "JSONata", "StartAt": "Set", "States": {
        "Set": {"Type": "Pass", "Assign": {"factor": 10}, "Next": "Map"},
        "Map": {"Type": "Map", "Items": "{% $states.input.items %}",
                "ItemProcessor": {"StartAt": "Times", "States": {"Times": {
                    "Type": "Pass", "Assign": {"factor": 0}, "Output": "{% $states.input * $factor %}",
                    "End": True}}}, "Next": "After"},
        "After": {"Type": "Pass", "Output": {"results": "{% $states.input %}", "factor": "{% $factor %}"},
                  "End": True}}}  # fmt: skip
    done = run(definition, {"items": [1, 2]})
    assert json.loads(done["output"]) == {"results": [10, 20], "factor": 10}


def test_undefined_expression_fails_with_query_evaluation_error(run):
    done = run({"QueryLanguage": "JSONata", "StartAt": "State0", "States": {
        "State0": {"Type": "Pass", "Output": {"result": "{% $doesNotExist %}"}, "End": True}}})
    assert done["error"] == "States.QueryEvaluationError"
    assert done["cause"] == ("An error occurred while executing the state 'State0' (entered at the event id #2). "
                             "The JSONata expression '$doesNotExist' specified for the field 'Output/result' "
                             "returned nothing (undefined).")
