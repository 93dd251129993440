"""The dashboard, the request log and the clock page; the generic page of a service
without a page of its own."""

from __future__ import annotations

import re

from urllib.parse import urlencode


def _row(text: str, service: str) -> str:
    match = re.search(rf'<tr><td><a href="/_cloudtwin/ui/{service}">.*?</tr>', text)
    assert match, service
    return re.sub(r"<[^>]+>", " ", match.group(0))


def test_dashboard_counts_resources_of_loaded_services(ui, aws_client) -> None:
    sqs = aws_client("sqs")
    for name in ("a", "b", "c"):
        sqs.create_queue(QueueName=name)
    text = ui("").text
    row = _row(text, "sqs")
    assert "loaded" in row and row.split()[-1] == "3"


def test_request_log_filters(ui, aws_client) -> None:
    sqs = aws_client("sqs")
    sqs.list_queues()
    try:
        sqs.get_queue_url(QueueName="missing")
    except sqs.exceptions.QueueDoesNotExist:
        pass
    everything = ui("/requests").visible()
    assert "ListQueues" in everything and "GetQueueUrl" in everything
    errors = ui("/requests?" + urlencode({"errors": "1", "service": "sqs"})).visible()
    assert "GetQueueUrl" in errors and "ListQueues" not in errors
    assert "QueueDoesNotExist" in errors or "NonExistentQueue" in errors
    ok = ui("/requests?status=200").visible()
    assert "ListQueues" in ok and "GetQueueUrl" not in ok


def test_clock_page_shows_the_virtual_clock(ui, cloudtwin_client) -> None:
    cloudtwin_client.set_time("2031-05-06T07:08:09Z")
    cloudtwin_client.freeze()
    text = ui("/clock").visible()
    assert "2031-05-06T07:08:09" in text and "Unfreeze" in text
    html = ui("/clock").text
    assert 'action="/_cloudtwin/clock/advance"' in html and 'action="/_cloudtwin/reset"' in html


def test_generic_page_lists_what_a_service_without_a_page_has(ui, aws_client) -> None:
    aws_client("scheduler").create_schedule_group(Name="nightly")
    page = ui("/scheduler")
    assert page.status == 200
    text = page.visible()
    assert "Generic page" in text and "ListScheduleGroups" in text and "nightly" in text


def test_generic_page_fills_in_required_page_sizes(ui, aws_client) -> None:
    text = ui("/dynamodbstreams").visible()
    assert "ListStreams" in text
    from cloudtwin.console.pages.generic import page_size_arguments

    class Shape:
        def __init__(self, members, required):
            self.members, self.required_members = members, required

    class Member:
        def __init__(self, type_name, maximum=None):
            self.type_name, self.metadata = type_name, ({"max": maximum} if maximum else {})

    assert page_size_arguments(Shape({"MaxResults": Member("integer", 20)}, ["MaxResults"])) == {"MaxResults": 20}
    assert page_size_arguments(Shape({"MaxResults": Member("integer", 1000)}, ["MaxResults"])) == {"MaxResults": 60}
    assert page_size_arguments(Shape({"Name": Member("string")}, ["Name"])) is None
    assert page_size_arguments(None) == {}
