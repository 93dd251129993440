"""The SQS store: queues, their messages, FIFO deduplication entries and move tasks.

One row per queue and one row per message (each queue's messages live in a table of
their own, ``messages/<queue name>``), so a SendMessage writes one small row however
long the queue is. Rows of a message table are inserted in send order and updated in
place, so the order in which they load after a restart is the order they were sent in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudtwin.state.records import record_types
from cloudtwin.state.store import Store, Tables
from cloudtwin.state.table import Table


@dataclass(slots=True)
class Queue:
    name: str
    account_id: str
    region: str
    arn: str
    fifo: bool
    #: The settable attributes, as the canonical strings GetQueueAttributes returns.
    attributes: dict[str, str]
    created: float
    modified: float
    tags: dict[str, str] = field(default_factory=dict)
    #: Virtual time of the last PurgeQueue (once per 60 s).
    last_purge: float | None = None
    #: FIFO: message group -> its place in the order groups are served in. A group goes to
    #: the back when it is received; a group never received is placed by its first message.
    group_ranks: dict[str, int] = field(default_factory=dict)
    #: FIFO: the DeduplicationScope the queue was created with. AWS keeps deduplicating by
    #: it when the attribute is changed later (the new value is stored and shown only).
    dedup_scope: str | None = None

    def int_attribute(self, name: str) -> int:
        return int(self.attributes[name])


@dataclass(slots=True)
class Message:
    id: str
    body: str
    md5_body: str
    sent: float
    #: Position in the queue: increasing in send order (FIFO order, SequenceNumber).
    seq: int
    #: When the message can next be received (sent + delay, or end of visibility).
    visible_at: float
    sender_id: str
    attributes: dict[str, dict[str, Any]] | None = None
    md5_attributes: str | None = None
    system_attributes: dict[str, dict[str, Any]] | None = None
    md5_system_attributes: str | None = None
    group_id: str | None = None
    dedup_id: str | None = None
    receive_count: int = 0
    first_receive: float | None = None
    #: The token of the latest receive; older receipt handles are stale.
    receipt: str | None = None
    #: When the latest receive's visibility began (the 12-hour limit counts from it).
    received_at: float | None = None
    #: Set on messages moved to a dead-letter queue: the queue they came from.
    dlq_source_arn: str | None = None

    def sequence_number(self) -> str:
        return f"{self.seq:020d}"


@dataclass(slots=True)
class DedupEntry:
    """A FIFO send remembered for the 5-minute deduplication interval."""

    message_id: str
    sequence_number: str
    md5_body: str
    md5_attributes: str | None
    md5_system_attributes: str | None
    expires: float


@dataclass(slots=True)
class MoveTask:
    handle: str
    task_id: str
    source_arn: str
    destination_arn: str | None
    max_per_second: int | None
    started: float
    status: str = "RUNNING"
    moved: int = 0
    to_move: int = 0
    failure_reason: str | None = None
    last_run: float = 0.0


class SqsStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self._tables = tables
        self.queues: Table[str, Queue] = tables.table("queues")
        #: (queue name, deduplication key) -> the send it deduplicates against.
        self.dedup: Table[tuple[str, str], DedupEntry] = tables.table("dedup")
        self.move_tasks: Table[str, MoveTask] = tables.table("move_tasks")
        #: Queue name -> when it was deleted (its name is not reusable for 60 seconds).
        self.deleted: Table[str, float] = tables.table("deleted")
        self.messages: dict[str, Table[str, Message]] = {
            name: tables.table(f"messages/{name}") for name in self.queues
        }
        #: The highest message position loaded from disk: new positions stay above it even
        #: when the virtual clock restarts behind the time the old ones were handed out.
        self.loaded_max_seq = max(
            (m.seq for table in self.messages.values() for m in table.values()), default=0
        )

    def add_queue(self, queue: Queue) -> None:
        self.queues[queue.name] = queue
        self.messages[queue.name] = self._tables.table(f"messages/{queue.name}")

    def drop_queue(self, name: str, now: float) -> None:
        self.deleted[name] = now
        self.queues.pop(name, None)
        table = self.messages.pop(name, None)
        if table is not None:
            table.clear()
        for key in [k for k in self.dedup if k[0] == name]:
            del self.dedup[key]


# What the tables hold, by name (see cloudtwin.state.records).
record_types(Queue, Message, DedupEntry, MoveTask)
