import asyncio

from cloudtwin.events.bus import Event, EventBus


def test_delivery_without_a_loop_is_immediate_and_isolated():
    bus = EventBus()
    seen = []
    bus.subscribe("s3:ObjectCreated", lambda e: seen.append(e.detail["key"]))
    bus.subscribe("s3:ObjectCreated", lambda e: 1 / 0)  # a broken subscriber
    bus.subscribe("*", lambda e: seen.append("any:" + e.kind))
    bus.publish(Event("s3:ObjectCreated", "000000000000", "us-east-1", {"key": "a.txt"}))
    bus.publish(Event("other", "000000000000", "us-east-1"))
    assert seen == ["a.txt", "any:s3:ObjectCreated", "any:other"]
    assert bus.failed == 1


def test_on_a_loop_delivery_comes_after_the_publisher_in_order():
    bus = EventBus()
    seen = []

    async def async_subscriber(event):
        seen.append(("async", event.detail["n"]))

    bus.subscribe("k", lambda e: seen.append(("sync", e.detail["n"])))
    bus.subscribe("k", async_subscriber)

    async def publisher():
        for n in range(3):
            bus.publish(Event("k", "000000000000", "us-east-1", {"n": n}))
        seen.append("publisher done")
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    asyncio.run(publisher())
    assert seen[0] == "publisher done"
    assert [s for s in seen[1:] if s[0] == "sync"] == [("sync", 0), ("sync", 1), ("sync", 2)]
    assert sorted(s for s in seen[1:] if s[0] == "async") == [("async", 0), ("async", 1), ("async", 2)]


def test_each_delivery_is_followed_by_the_settle_hook():
    settled = []
    bus = EventBus(after_delivery=lambda: settled.append("commit"))
    bus.subscribe("k", lambda e: None)
    bus.subscribe("k", lambda e: 1 / 0)
    bus.publish(Event("k", "000000000000", "us-east-1"))
    assert settled == ["commit", "commit"]
