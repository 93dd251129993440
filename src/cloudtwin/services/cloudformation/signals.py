"""Answers from outside a deployment: custom resource responses and wait condition signals,
sent (as in AWS) with an HTTP PUT to a presigned S3 URL — an object in a bucket cloudtwin's
own S3 serves — or with ``SignalResource``.

The bucket has S3 event notifications on, so cloudtwin's S3 publishes each object it
receives on the event bus; a waiting resource wakes when its object arrives (no polling).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.cloudformation.deployer import Deployment
    from cloudtwin.services.registry import ServiceEnvironment

EXPIRES = 7200
S3_EVENT = "s3:notification"


def bucket_name(account_id: str, region: str) -> str:
    return f"cloudformation-signals-{account_id}-{region}"


class TimedOut(Exception):
    """A wait passed its deadline on the virtual clock."""


class _Waiter:
    __slots__ = ("event", "deadline", "loop", "timed_out")

    def __init__(self, deadline: float | None) -> None:
        self.event = asyncio.Event()
        self.deadline = deadline
        self.loop = asyncio.get_running_loop()
        self.timed_out = False

    def wake(self) -> None:
        self.loop.call_soon_threadsafe(self.event.set)


class Signals:
    """Keys being waited for, woken by S3's object events (or by their deadline passing on
    the virtual clock: a tick processor checks them)."""

    def __init__(self, env: "ServiceEnvironment") -> None:
        self.env = env
        self._waiters: dict[tuple[str, str], list[_Waiter]] = {}
        self._subscribed = False
        env.processors.register("cloudformation-waits", self._expire, replace=True)

    def _expire(self, now: float) -> dict[str, Any]:
        expired = 0
        for waiters in list(self._waiters.values()):
            for waiter in list(waiters):
                if waiter.deadline is not None and now >= waiter.deadline and not waiter.timed_out:
                    waiter.timed_out = True
                    waiter.wake()
                    expired += 1
        return {"expired": expired}

    def _subscribe(self) -> None:
        if not self._subscribed:
            self.env.events.subscribe(S3_EVENT, self._arrived)
            self._subscribed = True

    def _arrived(self, event: Any) -> None:
        bucket, key = event.detail.get("bucket"), event.detail.get("key", "")
        for (wanted_bucket, prefix), waiters in list(self._waiters.items()):
            if wanted_bucket == bucket and key.startswith(prefix):
                for waiter in waiters:
                    waiter.wake()

    def poke(self, bucket: str, prefix: str) -> None:
        """Wake whoever waits under ``prefix`` (SignalResource writes its signal itself)."""
        for waiter in self._waiters.get((bucket, prefix), ()):
            waiter.wake()

    async def url(self, d: "Deployment", key: str) -> str:
        """A presigned PUT URL for ``key`` in the stack's signal bucket (made on first use)."""
        bucket = bucket_name(d.account_id, d.region)
        await self._bucket(d, bucket)
        host = d.stack.get("host") or f"localhost:{self.env.config.port}"
        return presign_put(f"http://{host}/{bucket}/{key}", d.region)

    async def _bucket(self, d: "Deployment", bucket: str) -> None:
        self._subscribe()
        call = d.engine.env.internal.call_async
        try:
            params: dict[str, Any] = {"Bucket": bucket}
            if d.region != "us-east-1":
                params["CreateBucketConfiguration"] = {"LocationConstraint": d.region}
            await call("s3", "CreateBucket", params, account_id=d.account_id, region=d.region)
        except ServiceError as error:
            if error.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
            return
        await call("s3", "PutBucketNotificationConfiguration", {
            "Bucket": bucket, "NotificationConfiguration": {"EventBridgeConfiguration": {}},
        }, account_id=d.account_id, region=d.region)  # fmt: skip

    async def objects(self, d: "Deployment", prefix: str) -> list[dict[str, Any]]:
        """The JSON bodies under ``prefix``, oldest first."""
        bucket = bucket_name(d.account_id, d.region)
        call = d.engine.env.internal.call_async
        try:
            listed = await call("s3", "ListObjectsV2", {"Bucket": bucket, "Prefix": prefix}, account_id=d.account_id, region=d.region)
        except ServiceError:
            return []
        found = []
        for item in sorted(listed.get("Contents") or [], key=lambda o: o["LastModified"]):
            body = (await call("s3", "GetObject", {"Bucket": bucket, "Key": item["Key"]}, account_id=d.account_id, region=d.region))["Body"]
            if hasattr(body, "__aiter__"):
                body = b"".join([piece async for piece in body])
            elif not isinstance(body, (bytes, bytearray)):
                body = b"".join(body)
            try:
                found.append(json.loads(bytes(body) or b"{}"))
            except ValueError:
                found.append({"Status": "FAILURE", "Reason": "The signal is not JSON"})
        return found

    async def wait(self, d: "Deployment", prefix: str, count: int = 1, timeout: float | None = None) -> list[dict[str, Any]]:
        """Wait until ``count`` answers are under ``prefix`` (or one of them is a failure);
        ``TimedOut`` (with what arrived) once ``timeout`` virtual seconds have passed."""
        bucket = bucket_name(d.account_id, d.region)
        waiter = _Waiter(self.env.clock.now() + timeout if timeout else None)
        key = (bucket, prefix)
        self._waiters.setdefault(key, []).append(waiter)
        stack_id = d.stack["StackId"]
        try:
            while True:
                found = await self.objects(d, prefix)
                if len(found) >= count or any(str(f.get("Status", "")).upper() in ("FAILED", "FAILURE") for f in found):
                    return found
                if waiter.timed_out:
                    raise TimedOut(len(found))
                d.engine.waiting.add(stack_id)
                waiter.event.clear()
                await waiter.event.wait()
        finally:
            d.engine.waiting.discard(stack_id)
            self._waiters[key].remove(waiter)
            if not self._waiters[key]:
                del self._waiters[key]

    async def put(self, d: "Deployment", key: str, body: dict[str, Any]) -> None:
        """Write an answer directly (``SignalResource``)."""
        bucket = bucket_name(d.account_id, d.region)
        await self._bucket(d, bucket)
        await d.engine.env.internal.call_async(
            "s3", "PutObject", {"Bucket": bucket, "Key": key, "Body": json.dumps(body).encode()},
            account_id=d.account_id, region=d.region,
        )  # fmt: skip


def presign_put(url: str, region: str) -> str:
    from botocore.auth import S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from cloudtwin.gateway.presign import presign_secrets

    secret = (presign_secrets() or ("test",))[0]
    request = AWSRequest(method="PUT", url=url)
    S3SigV4QueryAuth(Credentials("test", secret), "s3", region, expires=EXPIRES).add_auth(request)
    return request.url


def new_key(d: "Deployment", logical_id: str) -> str:
    stack_part = d.stack["StackId"].rsplit("/", 1)[-1]
    return f"{stack_part}/{logical_id}/{uuid.uuid4()}"
