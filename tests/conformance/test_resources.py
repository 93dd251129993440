"""Set-up data fills identifiers in, except where a variant is looking."""

from __future__ import annotations

from cloudtwin.conformance.resources import COMMON_MEMBERS, DROP, Bindings, MapKeys, all_setups, lookup, setup_for


def test_members_are_substituted_at_any_depth_but_not_at_the_focus():
    b = Bindings()
    b.values["queue_url"] = "http://q"
    members = {"QueueUrl": "{queue_url}", "ContentMD5": DROP}
    params = {"QueueUrl": "x", "Entries": [{"QueueUrl": "y", "ContentMD5": "z"}]}
    assert b.substitute(params, members, ()) == {"QueueUrl": "http://q", "Entries": [{"QueueUrl": "http://q"}]}
    kept = b.substitute(params, members, ("QueueUrl",))
    assert kept["QueueUrl"] == "x" and kept["Entries"][0]["QueueUrl"] == "http://q"


def test_map_keys_name_the_resource_and_values_are_still_substituted():
    b = Bindings({"table": "ct-table"})
    members = {"RequestItems": MapKeys("{table}"), "Key": {"pk": {"S": "k1"}}}
    params = {"RequestItems": {"aaaa": {"Keys": [{"x": 1}], "Key": {}}, "bbbb": {"Keys": []}}}
    out = b.substitute(params, members, ("RequestItems", "aaaa", "Keys"))
    assert out == {"RequestItems": {"ct-table": {"Keys": [{"x": 1}], "Key": {"pk": {"S": "k1"}}},
                                    "bbbb": {"Keys": []}}}


def test_templates_keep_captured_values_whole_and_count_fresh_names():
    b = Bindings()
    b.values["blob"] = b"\x00\x01"
    assert b.fill("{blob}") == b"\x00\x01"
    assert b.fill("ct-new-{n}") != b.fill("ct-new-{n}")
    b.values["role"] = "r1"
    policy = '{"Statement":[{"Resource":"arn:aws:iam::1:role/{role}"}]}'
    assert b.fill(policy) == '{"Statement":[{"Resource":"arn:aws:iam::1:role/r1"}]}'



def test_lookup_walks_dicts_and_lists():
    assert lookup({"Messages": [{"ReceiptHandle": "r"}]}, "Messages.0.ReceiptHandle") == "r"
    assert lookup({"Messages": []}, "Messages.0.ReceiptHandle") is None


def test_every_setup_names_operations_of_its_model():
    from botocore.session import get_session

    session = get_session()
    for service, setup in all_setups().items():
        model = session.get_service_model(service)
        for step in setup.steps:
            other = session.get_service_model(step.service) if step.service else model
            assert step.operation in other.operation_names, (service, step.operation)
        for op in setup.overrides:
            assert op in model.operation_names, (service, op)
        for rt in setup.roundtrips:
            assert rt.write.operation in model.operation_names and rt.read.operation in model.operation_names


def test_operation_overrides_win_over_service_members_and_common_drops():
    sqs = setup_for("sqs")
    assert sqs.members_for("CreateQueue")["QueueName"] == "ct-new-{n}"
    assert sqs.members_for("GetQueueUrl")["QueueName"] == "{queue_name}"
    assert sqs.members_for("ListQueues")["NextToken"] is DROP is COMMON_MEMBERS["NextToken"]
    assert setup_for("no-such-service").steps == ()


def test_every_default_setup_succeeds_step_by_step():
    """A step that fails leaves the variants after it without their resource: each service's
    set-up, sent to a live server, must succeed at every step and capture what it names —
    the steps every operation gets, and those only some operations get, for each of them."""
    from cloudtwin.conformance.runner import Runner, RunOptions
    from cloudtwin.conformance.target import Target
    from cloudtwin.testing.server import ServerThread

    with ServerThread() as server:
        runner = Runner(Target(server.endpoint), RunOptions())
        for service, setup in all_setups().items():
            scoped = sorted({op for step in setup.steps for op in step.operations})
            for operation in [None, *scoped]:
                bindings = runner._setup(service, operation=operation, verify=True)
                captured = {name for step in setup.steps if step.wanted_by(operation) for name in step.capture}
                assert captured <= set(bindings.values), (service, operation, captured - set(bindings.values))
                # and what the model lets the judge read back shows what each step made
                assert bindings.incomplete == [], (service, operation, bindings.incomplete)
        assert runner.setup_failures == {}


def test_defaults_fill_what_aws_needs_but_never_the_focus_a_required_member_or_a_rival():
    from cloudtwin.conformance.resources import ServiceSetup

    setup = ServiceSetup(defaults={"Put": {"Type": "String", "SecretString": "{secret}"}},
                         exclusive=(("SecretString", "SecretBinary"),))
    b = Bindings({"secret": "s3cr3t"})
    assert setup.complete("Put", {"Name": "n"}, (), set(), b) == {
        "Name": "n", "Type": "String", "SecretString": "s3cr3t"}
    assert "Type" not in setup.complete("Put", {"Name": "n"}, ("Type",), set(), b)
    assert "Type" not in setup.complete("Put", {"Name": "n"}, (), {"Type"}, b)
    assert "SecretString" not in setup.complete("Put", {"SecretBinary": b"x"}, (), set(), b)
    assert setup.complete("Other", {"Name": "n"}, (), set(), b) == {"Name": "n"}


def test_defaults_name_only_members_the_model_leaves_optional():
    """A default for a required member would re-add what a negative variant removed."""
    from botocore.session import get_session

    session = get_session()
    for service, setup in all_setups().items():
        model = session.get_service_model(service)
        for op, defaults in setup.defaults.items():
            shape = model.operation_model(op).input_shape
            assert shape is not None, (service, op)
            for name in defaults:
                assert name in shape.members and name not in shape.required_members, (service, op, name)


def test_steps_for_some_operations_and_other_accounts():
    from cloudtwin.conformance.resources import Step

    step = Step("CreateKey", operations=("Sign",), account="111111111111")
    assert step.wanted_by("Sign") and not step.wanted_by("Encrypt")
    assert Step("CreateKey").wanted_by(None)


def test_a_step_signed_as_another_account_and_region_lands_there():
    from cloudtwin.conformance.target import Target
    from cloudtwin.testing.server import ServerThread

    with ServerThread() as server:
        target = Target(server.endpoint)
        _, parsed, _ = target.call("sqs", "CreateQueue", {"QueueName": "q"}, account="111111111111",
                                   region="eu-west-1")
        assert "111111111111" in parsed["QueueUrl"]
        _, own, _ = target.call("sqs", "ListQueues", {})
        assert not own.get("QueueUrls")


def test_choose_picks_by_a_sibling_in_members_and_defaults():
    from cloudtwin.conformance.resources import Choose, ServiceSetup

    b = Bindings({"rsa": "k-rsa", "ecc": "k-ecc", "seq": "42"})
    members = {"KeyId": Choose("SigningAlgorithm", {"ECDSA_SHA_256": "{ecc}"}, "{rsa}")}
    assert b.substitute({"KeyId": "x", "SigningAlgorithm": "ECDSA_SHA_256"}, members, ())["KeyId"] == "k-ecc"
    assert b.substitute({"KeyId": "x", "SigningAlgorithm": "RSASSA_PSS_SHA_256"}, members, ())["KeyId"] == "k-rsa"
    setup = ServiceSetup(defaults={"GetShardIterator": {
        "SequenceNumber": Choose("ShardIteratorType", {"AT_SEQUENCE_NUMBER": "{seq}"})}})
    at = setup.complete("GetShardIterator", {"ShardIteratorType": "AT_SEQUENCE_NUMBER"}, (), set(), b)
    assert at["SequenceNumber"] == "42"
    assert "SequenceNumber" not in setup.complete("GetShardIterator", {"ShardIteratorType": "LATEST"}, (), set(), b)
