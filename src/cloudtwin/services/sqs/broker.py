"""The queue engine under the handlers: finding queues, storing sends, receiving with long
polling, visibility, deletes, dead-letter redrive, retention and purges.

Runtime-only state lives here and never in records: the long-poll waiters (asyncio
events), the ``ReceiveRequestAttemptId`` cache and the message-position sequencer.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from cloudtwin.services.sqs import receiving
from cloudtwin.services.sqs.addressing import parse_queue_arn, read_receipt
from cloudtwin.services.sqs.attributes import parsed_redrive
from cloudtwin.services.sqs.errors import invalid_value, queue_does_not_exist, receipt_handle_invalid
from cloudtwin.services.sqs.models import Message, Queue, SqsStore
from cloudtwin.services.sqs.sending import Sequencer

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.clock import Clock
    from cloudtwin.state.store import AccountRegionStores

QueueKey = tuple[str, str, str]  # (account, region, name)
ATTEMPT_WINDOW = 300.0
_NOT_AVAILABLE = "Message does not exist or is not available for visibility timeout change."


class Broker:
    def __init__(self, stores: "AccountRegionStores[SqsStore]", clock: "Clock") -> None:
        self.stores = stores
        self.clock = clock
        self.sequencer = Sequencer()
        self._waiters: dict[QueueKey, set[asyncio.Event]] = {}
        #: Queue key -> the earliest time one of its messages can reach its retention
        #: limit, so the tick scans a queue only when something there can be due.
        #: (earliest expiry, virtual time of the scan): a clock moved back rescans.
        self._next_expiry: dict[QueueKey, tuple[float, float]] = {}
        #: (queue key, attempt id) -> (expires, [(message id, token)])
        self._attempts: dict[tuple[QueueKey, str], tuple[float, list[tuple[str, str]]]] = {}

    def reset(self) -> None:
        self._attempts.clear()
        self._next_expiry.clear()
        self.notify_all()

    # -- lookup -----------------------------------------------------------------------------

    def queue(self, account_id: str, region: str, name: str) -> tuple[SqsStore, Queue]:
        store = self.stores.get(account_id, region)
        queue = store.queues.get(name)
        if queue is None:
            raise queue_does_not_exist()
        return store, queue

    def queue_by_arn(self, arn: str) -> tuple[SqsStore, Queue] | None:
        parts = parse_queue_arn(arn)
        if parts is None:
            return None
        region, account_id, name = parts
        store = self.stores.get(account_id, region)
        queue = store.queues.get(name)
        return (store, queue) if queue is not None else None

    # -- waking long polls ------------------------------------------------------------------

    def notify(self, queue: Queue) -> None:
        waiters = self._waiters.get((queue.account_id, queue.region, queue.name))
        if waiters:
            for event in waiters:
                event.set()

    def notify_all(self) -> None:
        for waiters in self._waiters.values():
            for event in waiters:
                event.set()

    # -- sending ----------------------------------------------------------------------------

    def enqueue(self, store: SqsStore, queue: Queue, message: Message) -> None:
        store.messages[queue.name][message.id] = message
        if self._waiters:
            self.notify(queue)

    # -- receiving --------------------------------------------------------------------------

    def receive_now(self, store: SqsStore, queue: Queue, request: receiving.ReceiveRequest) -> list[dict]:
        """Take what is receivable right now (possibly nothing)."""
        now = self.clock.now()
        key = (queue.account_id, queue.region, queue.name)
        if request.attempt_id is not None:
            replay = self._replay(store, queue, key, request, now)
            if replay is not None:
                return replay
        table = store.messages[queue.name]
        redrive = parsed_redrive(queue.attributes)
        max_receives = redrive["maxReceiveCount"] if redrive else None
        retention = float(queue.attributes["MessageRetentionPeriod"])
        if queue.fifo:
            taken, expired, over = receiving.select_fifo(
                table, now, request.max_messages, retention, max_receives, queue.group_ranks
            )
        else:
            taken, expired, over = receiving.select_standard(
                table, now, request.max_messages, retention, max_receives
            )
        for message in expired:
            table.pop(message.id, None)
        if over:
            moved = self._redrive(store, queue, over, redrive, now)
            if not moved:  # no dead-letter queue to move to: they stay receivable
                taken = (taken + over)[: request.max_messages]
        out = []
        handles: list[tuple[str, str]] = []
        for message in taken:
            token = receiving.mark_received(message, now, request.visibility)
            table.save(message.id)
            out.append(receiving.render(queue, message, token, request))
            handles.append((message.id, token))
        if request.attempt_id is not None and out:
            self._attempts[(key, request.attempt_id)] = (now + ATTEMPT_WINDOW, handles)
        if queue.fifo and taken:
            self.sequencer.observe(store.loaded_max_seq)
            for group in dict.fromkeys(m.group_id for m in taken):
                if group is not None:
                    queue.group_ranks[group] = self.sequencer.next(now)
            store.queues.save(queue.name)
        return out

    def _replay(self, store: SqsStore, queue: Queue, key: QueueKey,
                request: receiving.ReceiveRequest, now: float) -> list[dict] | None:
        found = self._attempts.get((key, request.attempt_id))  # type: ignore[arg-type]
        if found is None:
            return None
        expires, handles = found
        if expires <= now:
            del self._attempts[(key, request.attempt_id)]  # type: ignore[arg-type]
            return None
        table = store.messages[queue.name]
        out = []
        for message_id, token in handles:
            message = table.get(message_id)
            if message is None or message.receipt != token:
                return None
            out.append(receiving.render(queue, message, token, request))
        return out

    async def receive_waiting(self, account_id: str, region: str, name: str,
                              request: receiving.ReceiveRequest) -> dict[str, Any]:
        """Long polling: wait (on real time) until something is receivable or time is up."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + request.wait
        key = (account_id, region, name)
        event = asyncio.Event()
        waiters = self._waiters.setdefault(key, set())
        waiters.add(event)
        try:
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return {}
                try:
                    await asyncio.wait_for(event.wait(), remaining)
                except asyncio.TimeoutError:
                    pass
                event.clear()
                store = self.stores.get(account_id, region)
                queue = store.queues.get(name)
                if queue is None:
                    raise queue_does_not_exist()
                messages = self.receive_now(store, queue, request)
                if messages:
                    return {"Messages": messages}
        finally:
            waiters.discard(event)
            if not waiters and self._waiters.get(key) is waiters:
                del self._waiters[key]

    # -- dead-letter queues -----------------------------------------------------------------

    def _redrive(self, store: SqsStore, queue: Queue, messages: list[Message],
                 redrive: dict[str, Any] | None, now: float) -> bool:
        target = self.queue_by_arn(redrive["deadLetterTargetArn"]) if redrive else None
        if target is None:
            return False
        dlq_store, dlq = target
        table = store.messages[queue.name]
        for message in messages:
            table.pop(message.id, None)
            self.transfer(dlq_store, dlq, message, now, source_arn=queue.arn)
        return True

    def transfer(self, store: SqsStore, queue: Queue, message: Message, now: float,
                 *, source_arn: str | None) -> None:
        """Put a message taken from another queue at the end of ``queue``."""
        self.sequencer.observe(store.loaded_max_seq)
        moved = replace(
            message,
            seq=self.sequencer.next(now),
            visible_at=now,
            receipt=None,
            received_at=None,
            dlq_source_arn=source_arn,
        )
        if source_arn is None:  # redriven back by a move task: a fresh start in the queue
            moved.receive_count = 0
            moved.first_receive = None
        # It keeps its original send time, so it may expire before anything else there.
        self.retention_changed(queue)
        self.enqueue(store, queue, moved)

    # -- visibility and deletes -------------------------------------------------------------

    def _held(self, queue: Queue, handle: str) -> tuple[str, str]:
        arn, message_id, token = read_receipt(handle)
        if parse_queue_arn(arn) is None or arn.rsplit(":", 1)[1] != queue.name:
            raise receipt_handle_invalid(handle)
        return message_id, token

    def change_visibility(self, store: SqsStore, queue: Queue, handle: str, timeout: int) -> None:
        message_id, token = self._held(queue, handle)
        if not 0 <= timeout <= receiving.MAX_VISIBILITY:
            raise invalid_value("VisibilityTimeout", timeout, "Must be >= 0 and <= 43200, if provided.")
        now = self.clock.now()
        table = store.messages[queue.name]
        message = table.get(message_id)
        if message is None or message.receipt != token:
            raise invalid_value("ReceiptHandle", handle, _NOT_AVAILABLE)
        if now + timeout - (message.received_at or now) > receiving.MAX_VISIBILITY:
            raise invalid_value(
                "VisibilityTimeout", timeout,
                "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]",
            )
        message.visible_at = now + timeout
        table.save(message_id)
        if timeout == 0:
            self.notify(queue)

    def delete(self, store: SqsStore, queue: Queue, handle: str) -> None:
        message_id, token = self._held(queue, handle)
        table = store.messages[queue.name]
        message = table.get(message_id)
        if message is None:
            return  # already deleted: AWS answers success
        stale = message.receipt != token
        if queue.fifo and (stale or message.visible_at <= self.clock.now()):
            raise invalid_value("ReceiptHandle", handle, "The receipt handle has expired.")
        # A standard queue deletes the message even by the handle of an earlier receive.
        del table[message_id]
        if queue.fifo:
            self.notify(queue)  # its group may be unblocked

    # -- counts, retention, purge -----------------------------------------------------------

    def counts(self, store: SqsStore, queue: Queue) -> tuple[int, int, int]:
        """(visible, in flight, delayed)."""
        now = self.clock.now()
        visible = inflight = delayed = 0
        for message in store.messages[queue.name].values():
            if message.visible_at <= now:
                visible += 1
            elif message.receive_count:
                inflight += 1
            else:
                delayed += 1
        return visible, inflight, delayed

    def purge(self, store: SqsStore, queue: Queue) -> int:
        """Delete every message; a FIFO queue also forgets its deduplication ids."""
        table = store.messages[queue.name]
        count = len(table)
        table.clear()
        if queue.fifo:
            for key in [k for k in store.dedup if k[0] == queue.name]:
                del store.dedup[key]
        return count

    def expire(self, now: float) -> dict[str, int]:
        """The tick work: retention, stale dedup entries and attempt ids, waking long polls."""
        expired = dedup = 0
        for _, store in self.stores.items():
            for name, queue in list(store.queues.items()):
                key = (queue.account_id, queue.region, name)
                due_at, scanned_at = self._next_expiry.get(key, (0.0, 0.0))
                if scanned_at <= now < due_at:
                    continue
                retention = float(queue.attributes["MessageRetentionPeriod"])
                table = store.messages[name]
                gone = []
                earliest = now + retention  # nothing sent from now on expires sooner
                for message in table.values():
                    due = message.sent + retention
                    if due <= now:
                        gone.append(message.id)
                    elif due < earliest:
                        earliest = due
                for message_id in gone:
                    del table[message_id]
                expired += len(gone)
                self._next_expiry[key] = (earliest, now)
            for name in [n for n, at in store.deleted.items() if now - at >= 60]:
                del store.deleted[name]
            stale = [key for key, entry in store.dedup.items() if entry.expires <= now]
            for key in stale:
                del store.dedup[key]
            dedup += len(stale)
        for key in [k for k, (expires, _) in self._attempts.items() if expires <= now]:
            del self._attempts[key]
        self.notify_all()  # delayed or invisible messages may have become receivable
        return {"expired": expired, "dedup_expired": dedup}

    def retention_changed(self, queue: Queue) -> None:
        """Make the next tick scan ``queue`` (its retention or its oldest message changed)."""
        self._next_expiry.pop((queue.account_id, queue.region, queue.name), None)

    def each_queue(self) -> list[tuple[SqsStore, Queue]]:
        return [(store, queue) for _, store in self.stores.items() for queue in list(store.queues.values())]


