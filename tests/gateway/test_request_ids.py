import uuid

from cloudtwin.gateway.request_ids import RequestIds, random_uuid


def test_ids_are_unique_version_4_uuids():
    ids = RequestIds()
    seen = {ids.next() for _ in range(10_000)}
    assert len(seen) == 10_000
    for value in list(seen)[:50]:
        assert uuid.UUID(value).version == 4
        assert str(uuid.UUID(value)) == value


def test_two_servers_draw_different_ids():
    assert RequestIds().next() != RequestIds().next()


def test_responses_carry_the_request_id(aws_client):
    meta = aws_client("sts").get_caller_identity()["ResponseMetadata"]
    assert uuid.UUID(meta["RequestId"]).version == 4
    assert meta["HTTPHeaders"]["x-amzn-requestid"] == meta["RequestId"]


def test_random_uuids_are_version_4_and_unique():
    seen = {random_uuid() for _ in range(10_000)}
    assert len(seen) == 10_000
    for value in list(seen)[:200]:
        parsed = uuid.UUID(value)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert str(parsed) == value
