"""The DynamoDB store: table records, one persisted row per item, and in-memory key indexes.

Rows are the durable truth (``items/<table>`` holds one row per item keyed by its key
texts, the item's JSON text as its value); they are written through and not kept in
memory: the sorted partitions of :mod:`storage` hold the items (in their compact stored
form), rebuilt from the rows on first use after a restart and kept in step on every write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from cloudtwin.services.dynamodb.storage import KeyedItems, item_token
from cloudtwin.services.dynamodb.stored import StoredItem, decode, encode
from cloudtwin.services.dynamodb.values import token_text
from cloudtwin.state.records import record_types
from cloudtwin.state.store import Store, Tables
from cloudtwin.state.table import Journal, Table


@dataclass(slots=True)
class IndexRecord:
    name: str
    key_schema: list[dict[str, str]]
    projection: dict[str, Any]
    is_global: bool
    status: str = "ACTIVE"
    provisioned: dict[str, Any] | None = None
    created: float = 0.0
    #: WarmThroughput asked for (ReadUnitsPerSecond / WriteUnitsPerSecond), else None
    warm_throughput: dict[str, Any] | None = None

    @property
    def hash_name(self) -> str:
        return next(k["AttributeName"] for k in self.key_schema if k["KeyType"] == "HASH")

    @property
    def range_name(self) -> str | None:
        return next((k["AttributeName"] for k in self.key_schema if k["KeyType"] == "RANGE"), None)

    @property
    def hash_names(self) -> tuple[str, ...]:
        """Every partition-key attribute (a GSI may have up to four)."""
        return tuple(k["AttributeName"] for k in self.key_schema if k["KeyType"] == "HASH")

    @property
    def range_names(self) -> tuple[str, ...]:
        """Every sort-key attribute (a GSI may have up to four)."""
        return tuple(k["AttributeName"] for k in self.key_schema if k["KeyType"] == "RANGE")

    @property
    def multi_attribute(self) -> bool:
        return len(self.hash_names) > 1 or len(self.range_names) > 1


@dataclass(slots=True)
class TableRecord:
    name: str
    table_id: str
    arn: str
    key_schema: list[dict[str, str]]
    attribute_definitions: list[dict[str, str]]
    created: float
    billing_mode: str = "PROVISIONED"
    provisioned: dict[str, Any] = field(default_factory=dict)
    status: str = "ACTIVE"
    gsis: list[IndexRecord] = field(default_factory=list)
    lsis: list[IndexRecord] = field(default_factory=list)
    stream: dict[str, Any] | None = None  # StreamSpecification when enabled
    stream_label: str | None = None
    stream_arn: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    deletion_protection: bool = False
    ttl_attribute: str | None = None
    ttl_enabled: bool = False
    pitr_enabled: bool = False
    table_class: str = "STANDARD"
    sse: dict[str, Any] | None = None
    kinesis_destinations: list[dict[str, Any]] = field(default_factory=list)
    billing_switched: float | None = None
    warm_throughput: dict[str, Any] | None = None
    on_demand: dict[str, Any] | None = None
    #: resource-based policies: "" (the table) or a stream label -> (policy, revision id)
    policies: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: regions of the global table this table belongs to (its own included), else []
    replicas: list[str] = field(default_factory=list)
    #: the global table's version when it is one ("2019.11.21", or the legacy "2017.11.29")
    global_version: str | None = None
    #: RestoreSummary of a table made by a restore (without RestoreInProgress)
    restore: dict[str, Any] | None = None
    #: Contributor Insights: "" (the table) or an index name -> its setting
    insights: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def hash_name(self) -> str:
        return next(k["AttributeName"] for k in self.key_schema if k["KeyType"] == "HASH")

    @property
    def range_name(self) -> str | None:
        return next((k["AttributeName"] for k in self.key_schema if k["KeyType"] == "RANGE"), None)

    def attribute_type(self, name: str) -> str | None:
        for definition in self.attribute_definitions:
            if definition["AttributeName"] == name:
                return definition["AttributeType"]
        return None

    def index(self, name: str) -> IndexRecord | None:
        for index in (*self.gsis, *self.lsis):
            if index.name == name:
                return index
        return None


class TableData:
    """The items of one table and its secondary indexes, in key order.

    Items are kept in their stored form (:class:`~.stored.StoredItem`: JSON text and
    size); the key indexes hold the decoded key tokens. Every index entry of an item is
    the same ``StoredItem``. With persistence on, each write is also one row of the
    journal (the item's JSON text, keyed by its key texts); the journal is read once, when
    the table is first used after a start.
    """

    def __init__(self, record: TableRecord, journal: Journal) -> None:
        self.journal = journal
        self.hash_name = record.hash_name
        self.range_name = record.range_name
        self.primary = KeyedItems(self.hash_name, self._sort_of)
        self.indexes: dict[str, KeyedItems] = {}
        #: index name -> (partition-key attributes, sort-key attributes)
        self.index_keys: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self.size_bytes = 0
        for index in (*record.gsis, *record.lsis):
            self.add_index(index)
        for _, row in journal.load():
            # a row is the item's JSON text; data dirs of earlier versions hold the item
            item = decode(row.encode("utf-8", "surrogatepass")) if isinstance(row, str) else row
            stored = encode(item)
            self._index_put(item, stored)
            self.size_bytes += stored.size

    def _sort_of(self, item: dict[str, Any]) -> Any:
        return item_token(item, self.range_name) if self.range_name else 0

    def add_index(self, index: IndexRecord) -> None:
        self.index_keys[index.name] = (index.hash_names, index.range_names)
        keyed = KeyedItems(index.hash_name, self._sort_of)
        self.indexes[index.name] = keyed
        for stored in self.primary.scan():
            self._index_one(index.name, keyed, decode(stored.raw), stored)

    def drop_index(self, name: str) -> None:
        self.indexes.pop(name, None)
        self.index_keys.pop(name, None)

    def row_key(self, item: dict[str, Any]) -> tuple[str, str]:
        hk = token_text(item_token(item, self.hash_name))
        rk = token_text(item_token(item, self.range_name)) if self.range_name else ""
        return hk, rk

    def index_hash(self, name: str, item: dict[str, Any]) -> Any:
        """An index's partition token: one attribute's token, or the tuple of several."""
        names = self.index_keys[name][0]
        if len(names) == 1:
            return item_token(item, names[0])
        return tuple(item_token(item, n) for n in names)

    def index_sort(self, name: str, item: dict[str, Any]) -> tuple[Any, Any, Any]:
        names = self.index_keys[name][1]
        if not names:
            sort: Any = 0
        elif len(names) == 1:
            sort = item_token(item, names[0])
        else:
            sort = tuple(item_token(item, n) for n in names)
        return (sort, item_token(item, self.hash_name), self._sort_of(item))

    def _indexed(self, name: str, item: dict[str, Any]) -> bool:
        hash_names, range_names = self.index_keys[name]
        return all(n in item for n in hash_names) and all(n in item for n in range_names)

    def _index_one(self, name: str, keyed: KeyedItems, item: dict[str, Any], stored: StoredItem) -> None:
        if not self._indexed(name, item):
            return  # sparse: items without the index keys are not in the index
        keyed.put(self.index_hash(name, item), self.index_sort(name, item), stored)

    def _index_put(self, item: dict[str, Any], stored: StoredItem) -> None:
        self.primary.put(item_token(item, self.hash_name), self._sort_of(item), stored)
        for name, keyed in self.indexes.items():
            self._index_one(name, keyed, item, stored)

    def _index_remove(self, item: dict[str, Any]) -> None:
        self.primary.remove(item_token(item, self.hash_name), self._sort_of(item))
        for name, keyed in self.indexes.items():
            if self._indexed(name, item):
                keyed.remove(self.index_hash(name, item), self.index_sort(name, item))

    # -- reads ---------------------------------------------------------------------------------

    def stored(self, key: dict[str, Any]) -> StoredItem | None:
        """The stored item with ``key`` (or the key attributes of an item)."""
        return self.primary.get(item_token(key, self.hash_name), self._sort_of(key))

    def get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        found = self.primary.get(item_token(key, self.hash_name), self._sort_of(key))
        return None if found is None else decode(found.raw)

    def all_items(self) -> Iterator[dict[str, Any]]:
        """Every item, decoded, in scan order."""
        for stored in self.primary.scan():
            yield decode(stored.raw)

    # -- the write path ------------------------------------------------------------------------

    def put(self, item: dict[str, Any]) -> dict[str, Any] | None:
        """Store ``item``; returns the item it replaced."""
        found = self.stored(item)
        old = None
        if found is not None:
            old = decode(found.raw)
            self._index_remove(old)
            self.size_bytes -= found.size
        stored = encode(item)
        self._index_put(item, stored)
        self.size_bytes += stored.size
        if self.journal.enabled:
            self.journal.put(self.row_key(item), stored.raw.decode("utf-8", "surrogatepass"))
        return old

    def delete(self, key: dict[str, Any]) -> dict[str, Any] | None:
        found = self.stored(key)
        if found is None:
            return None
        old = decode(found.raw)
        self._index_remove(old)
        self.size_bytes -= found.size
        if self.journal.enabled:
            self.journal.delete(self.row_key(old))
        return old

    def size_of(self, stored: StoredItem) -> int:
        return stored.size

    def __len__(self) -> int:
        return self.primary.count


class DynamoStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self._tables = tables
        self.tables: Table[str, TableRecord] = tables.table("tables")
        #: ClientRequestToken -> (request fingerprint, time) for idempotent transactions
        self.tokens: Table[str, tuple[str, float]] = tables.table("tokens")
        #: backups by ARN (stored metadata only)
        self.backups: Table[str, dict[str, Any]] = tables.table("backups")
        #: legacy (2017.11.29) global tables by name: {"regions": [...], "created": epoch}
        self.global_tables: Table[str, dict[str, Any]] = tables.table("global_tables")
        #: table exports and imports by ARN (their descriptions)
        self.exports: Table[str, dict[str, Any]] = tables.table("exports")
        self.imports: Table[str, dict[str, Any]] = tables.table("imports")
        #: every stream ARN handed out (labels must never repeat for a table name)
        self.stream_arns: Table[str, float] = tables.table("stream_arns")
        self._data: dict[str, TableData] = {}

    def data(self, record: TableRecord) -> TableData:
        found = self._data.get(record.name)
        if found is None:
            found = TableData(record, self._tables.journal("items/" + record.name))
            self._data[record.name] = found
        return found

    def drop(self, name: str) -> None:
        if name in self.tables:  # its rows, without loading them first
            self._tables.journal("items/" + name).clear()
        self._data.pop(name, None)
        self.tables.pop(name, None)


# What the tables hold, by name (see cloudtwin.state.records).
record_types(IndexRecord, TableRecord)
