"""Distributed Map over an S3 JSON file: a map run with tolerated failures, its map run
records, and ``ResultWriter``; and the intrinsic functions with AWS's documented examples."""

from __future__ import annotations

import json

from sfn_helpers import history


def _bucket(aws_client, items) -> None:
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="items")
    s3.put_object(Bucket="items", Key="items.json", Body=json.dumps(items).encode())


def _definition(tolerated: int) -> dict:
    return {"StartAt": "M", "States": {"M": {
        "Type": "Map", "ToleratedFailurePercentage": tolerated,
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"},
                       "Parameters": {"Bucket": "items", "Key": "items.json"}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Check", "States": {
                              "Check": {"Type": "Choice", "Choices": [
                                  {"Variable": "$.ok", "BooleanEquals": False, "Next": "Bad"}], "Default": "Good"},
                              "Bad": {"Type": "Fail", "Error": "BadItem"},
                              "Good": {"Type": "Pass", "End": True}}},
        "End": True}}}  # fmt: skip


def test_distributed_map_tolerates_failures_up_to_the_percentage(sfn, aws_client, run):
    _bucket(aws_client, [{"ok": True}] * 9 + [{"ok": False}])
    done = run(_definition(10))
    assert done["status"] == "SUCCEEDED", done
    assert len(json.loads(done["output"])) == 10
    events = history(sfn, done["executionArn"])
    assert [e["type"] for e in events][2:6] == ["MapStateStarted", "MapRunStarted", "MapRunSucceeded",
                                                 "MapStateSucceeded"]
    run_arn = events[3]["mapRunStartedEventDetails"]["mapRunArn"]
    described = sfn.describe_map_run(mapRunArn=run_arn)
    assert described["status"] == "SUCCEEDED"
    assert (described["itemCounts"]["succeeded"], described["itemCounts"]["failed"]) == (9, 1)
    assert [r["mapRunArn"] for r in sfn.list_map_runs(executionArn=done["executionArn"])["mapRuns"]] == [run_arn]

    failed = run(_definition(5))
    assert (failed["status"], failed["error"]) == ("FAILED", "States.ExceedToleratedFailureThreshold")


def test_intrinsic_functions_with_the_documented_examples(run):
    parameters = {
        "format.$": "States.Format('Hello, my name is {}.', $.name)",
        "json.$": "States.StringToJson($.someString)",
        "text.$": "States.JsonToString($.someJson)",
        "array.$": "States.Array('Foo', 2020, $.someJson, null)",
        "partition.$": "States.ArrayPartition($.inputArray, 4)",
        "contains.$": "States.ArrayContains($.inputArray, $.lookingFor)",
        "range.$": "States.ArrayRange(1, 9, 2)",
        "item.$": "States.ArrayGetItem($.inputArray, $.index)",
        "length.$": "States.ArrayLength($.inputArray)",
        "unique.$": "States.ArrayUnique($.dupes)",
        "encoded.$": "States.Base64Encode($.input)",
        "decoded.$": "States.Base64Decode($.base64)",
        "hash.$": "States.Hash($.Data, $.Algorithm)",
        "merged.$": "States.JsonMerge($.json1, $.json2, false)",
        "add.$": "States.MathAdd($.value1, $.step)",
        "split.$": "States.StringSplit($.inputString, $.splitter)",
        "uuid.$": "States.UUID()",
        "random.$": "States.MathRandom($.start, $.end)",
    }
    value = {
        "name": "Arnav", "someString": "{\"number\": 20}", "someJson": {"name": "Foo", "year": 2020},
        "inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "lookingFor": 5, "index": 5, "dupes": [1, 2, 3, 3, 3, 3, 3, 3, 4],
        "input": "Data to encode", "base64": "RGF0YSB0byBlbmNvZGU=", "Data": "input data", "Algorithm": "SHA-1",
        "json1": {"a": {"a1": 1, "a2": 2}, "b": 2}, "json2": {"a": {"a3": 1, "a4": 2}, "c": 3},
        "value1": 111, "step": -1, "inputString": "This.is+a,test=string", "splitter": ".+,=", "start": 1, "end": 999,
    }  # fmt: skip
    done = run({"StartAt": "F", "States": {"F": {"Type": "Pass", "Parameters": parameters, "End": True}}}, value)
    out = json.loads(done["output"])
    assert out["format"] == "Hello, my name is Arnav."
    assert out["json"] == {"number": 20}
    assert out["text"] == '{"name":"Foo","year":2020}'
    assert out["array"] == ["Foo", 2020, {"name": "Foo", "year": 2020}, None]
    assert out["partition"] == [[1, 2, 3, 4], [5, 6, 7, 8], [9]]
    assert out["contains"] is True
    assert out["range"] == [1, 3, 5, 7, 9]
    assert out["item"] == 6
    assert out["length"] == 9
    assert out["unique"] == [1, 2, 3, 4]
    assert out["encoded"] == "RGF0YSB0byBlbmNvZGU="
    assert out["decoded"] == "Data to encode"
    assert out["hash"] == "aaff4a450a104cd177d28d18d74485e8cae074b7"
    assert out["merged"] == {"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3}
    assert out["add"] == 110
    assert out["split"] == ["This", "is", "a", "test", "string"]
    assert len(out["uuid"]) == 36 and 1 <= out["random"] < 999


def test_csv_items_come_in_the_field_order_of_aws_hash_maps_and_max_items_reads_a_variable(aws_client, run):
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="rows")
    s3.put_object(Bucket="rows", Key="rows.csv", Body=b"0,True,{}\na,b,c\nshort\n")
    done = run({"StartAt": "Limit", "States": {
        "Limit": {"Type": "Pass", "Assign": {"limit": "2"}, "Next": "M"},
        "M": {"Type": "Map", "End": True,
              "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                             "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW",
                                              "MaxItemsPath": "$limit"},
                             "Parameters": {"Bucket": "rows", "Key": "rows.csv"}},
              "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                                "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}})
    assert done["status"] == "SUCCEEDED", done
    # Java's HashMap order ("0", "{}", "True"), as AWS answers; a short row's missing fields are empty
    assert done["output"] == '[{"0":"a","{}":"c","True":"b"},{"0":"short","{}":"","True":""}]'
