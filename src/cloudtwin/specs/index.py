"""A compact index of every botocore service: what the router needs without loading models.

Routing a request needs facts about *all* services at once (which services sign as ``s3``,
which one owns the target prefix ``AmazonSQS``, which query services have an ``Action``
called ``AssumeRoleWithWebIdentity``, the ``requestUri`` of every rest operation...), but
loading every botocore model takes seconds. So the facts are extracted once into this index,
which is stored as gzipped JSON:

- shipped inside the package (``service-index.json.gz``), used when its recorded botocore
  version is the installed one — the normal case, loaded in a few milliseconds;
- otherwise built from the installed botocore (a few seconds) and cached in
  ``$CLOUDTWIN_CACHE_DIR`` (default ``~/.cache/cloudtwin``), keyed by botocore version.

Whichever it came from, the index is also kept in that cache dir in ``marshal`` form, for
this Python (``service-index-<botocore>.<cache tag>.marshal``), with the reverse lookups
by signing name, target prefix and endpoint prefix: the next server reads it in about a
millisecond, where unzipping and parsing the JSON takes ~6 and the lookups ~2 more — time
the first call to a service would otherwise wait. The copy records the size and gzip
trailer (CRC-32 and length of the JSON) of the shipped index it was made beside, and is not
read once that file has changed (a new cloudtwin, a regenerated index). Its content, not its
time: two installs of the same cloudtwin (two virtualenvs, two checkouts) share the copy
rather than each rewriting it for the other (~8 ms of each start).

``python -m cloudtwin.specs.index --write`` regenerates the shipped copy; a test checks that
it equals a fresh build, so it cannot go stale silently.

Per-service operation lists are kept as one string and split only when a service is first
asked about, so loading does not create tens of thousands of small objects.
"""

from __future__ import annotations

import gzip
import json
import marshal
import os
import sys
from pathlib import Path
from typing import Any, Iterable

__all__ = ["ServiceIndex", "ServiceInfo", "FORMAT_VERSION", "SHIPPED_INDEX", "default_cache_dir"]

#: Bumped whenever the stored layout changes, so old cache files are rebuilt.
FORMAT_VERSION = 1
SHIPPED_INDEX = Path(__file__).with_name("service-index.json.gz")
REST_PROTOCOLS = frozenset({"rest-json", "rest-xml"})
QUERY_PROTOCOLS = frozenset({"query", "ec2"})
_BEARER_AUTH = "smithy.api#httpBearerAuth"
_NO_AUTH = "smithy.api#noAuth"


def default_cache_dir() -> Path:
    """``$CLOUDTWIN_CACHE_DIR``, else ``~/.cache/cloudtwin``."""
    configured = os.environ.get("CLOUDTWIN_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "cloudtwin"


class ServiceInfo:
    """The routing facts of one service (``protocol``, ``targetPrefix``, operations...).

    ``signing_name`` is the model's (falling back to ``endpointPrefix``, as botocore does);
    ``signing_names`` adds the names the endpoint rules may sign with instead (S3 signs
    some requests as ``s3express`` or ``s3-object-lambda``).
    """

    __slots__ = (
        "name", "protocol", "protocols", "target_prefix", "signing_name", "signing_names",
        "endpoint_prefix", "json_version", "api_version", "query_compatible", "bearer_auth",
        "anonymous_operations", "_raw_operations", "_operations", "_http",
    )

    def __init__(self, name: str, data: dict[str, Any]) -> None:
        self.name = name
        self.protocol: str = data["protocol"]
        self.protocols: tuple[str, ...] = tuple(data.get("protocols") or (self.protocol,))
        self.target_prefix: str | None = data.get("targetPrefix")
        self.endpoint_prefix: str = data["endpointPrefix"]
        self.signing_name: str = data.get("signingName") or self.endpoint_prefix
        self.signing_names: tuple[str, ...] = (self.signing_name, *data.get("signingNameAliases", ()))
        self.json_version: str | None = data.get("jsonVersion")
        self.api_version: str | None = data.get("apiVersion")
        self.query_compatible: bool = bool(data.get("awsQueryCompatible"))
        self.bearer_auth: bool = bool(data.get("bearerAuth"))
        #: Operations an SDK sends unsigned (``smithy.api#noAuth`` / ``authtype: none``).
        self.anonymous_operations: frozenset[str] = frozenset(data.get("anonymousOperations", "").split())
        self._raw_operations: str = data["operations"]
        self._operations: frozenset[str] | None = None
        self._http: dict[str, tuple[str, str]] | None = None

    @property
    def is_rest(self) -> bool:
        return self.protocol in REST_PROTOCOLS

    @property
    def speaks_query(self) -> bool:
        """Whether ``Action=...`` requests reach this service (SQS and CloudWatch too)."""
        return self.query_compatible or not QUERY_PROTOCOLS.isdisjoint(self.protocols)

    def speaks(self, protocol: str) -> bool:
        return protocol in self.protocols or (protocol == "query" and self.speaks_query)

    @property
    def operations(self) -> frozenset[str]:
        if self._operations is None:
            self._operations = frozenset(
                line.split(" ", 1)[0] for line in self._raw_operations.split("\n") if line
            )
        return self._operations

    @property
    def http(self) -> dict[str, tuple[str, str]]:
        """``{operation: (method, requestUri)}`` for a rest service, else empty."""
        if self._http is None:
            http: dict[str, tuple[str, str]] = {}
            if self.is_rest:
                for line in self._raw_operations.split("\n"):
                    if line:
                        name, method, uri = line.split(" ", 2)
                        http[name] = (method, uri)
            self._http = http
        return self._http

    def __repr__(self) -> str:
        return f"ServiceInfo({self.name!r}, protocol={self.protocol!r})"


class ServiceIndex:
    """Every botocore service's routing facts, with the reverse lookups the router uses."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.botocore_version: str = data["botocore"]
        self._raw: dict[str, dict[str, Any]] = data["services"]
        self._services: dict[str, ServiceInfo] = {}
        # The reverse lookups, built on first use (or read with a marshal copy: "lookups").
        lookups = data.get("lookups") or {}
        self._by_signing_name: dict[str, tuple[str, ...]] | None = lookups.get("signing")
        self._by_target_prefix: dict[str, tuple[str, ...]] | None = lookups.get("target")
        self._by_endpoint_prefix: dict[str, tuple[str, ...]] | None = lookups.get("endpoint")
        self._query_actions: dict[str, tuple[str, ...]] | None = None

    # -- loading ------------------------------------------------------------------------

    @classmethod
    def load(cls, cache_dir: Path | str | None = None) -> ServiceIndex:
        """The index for the installed botocore: shipped copy, else cache, else a build."""
        from cloudtwin.specs.catalog import ServiceCatalog

        version = ServiceCatalog.botocore_version()
        folder = Path(cache_dir or default_cache_dir())
        fast = folder / f"service-index-{version}.{sys.implementation.cache_tag}.marshal"
        shipped = _stamp(SHIPPED_INDEX)  # a copy made before the package changed is stale
        index = cls._read(fast, version, _from_marshal, shipped)
        if index is not None:
            return index
        index = cls._read(SHIPPED_INDEX, version)
        if index is None:
            cache_file = folder / f"service-index-{version}.json.gz"
            index = cls._read(cache_file, version)
            if index is None:
                index = cls.build()
                index._write_quietly(cache_file)
        index._write_quietly(fast, marshal.dumps({**index._marshal_data(), "shipped": shipped}))
        return index

    @classmethod
    def _read(
        cls, path: Path, version: str, parse: Any = None, shipped: tuple[int, int] | None = None
    ) -> ServiceIndex | None:
        try:
            data = (parse or _from_json_gz)(path.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return None
        if type(data) is not dict or data.get("format") != FORMAT_VERSION or data.get("botocore") != version:
            return None
        if data.get("shipped", shipped) != shipped:  # (a marshal copy) made from another package
            return None
        return cls(data)

    def _write_quietly(self, path: Path, content: bytes | None = None) -> None:
        """Cache the index (``content``: these bytes rather than gzipped JSON); a read-only
        home must not stop the server."""
        try:
            self.write(path, content)
        except OSError:
            pass

    def write(self, path: Path | str, content: bytes | None = None) -> None:
        """Store as gzipped JSON (or ``content``), atomically and byte-for-byte reproducibly."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        if content is None:
            content = gzip.compress(self.to_json().encode(), compresslevel=9, mtime=0)
        tmp.write_bytes(content)
        os.replace(tmp, path)

    def _data(self) -> dict[str, Any]:
        return {"format": FORMAT_VERSION, "botocore": self.botocore_version, "services": self._raw}

    def _marshal_data(self) -> dict[str, Any]:
        """:meth:`_data` with the lookups every server's first service call builds (each
        makes every service's ServiceInfo: ~2 ms)."""
        self.by_signing_name(""), self.by_target_prefix(""), self.by_endpoint_prefix("")
        lookups = {
            "signing": self._by_signing_name, "target": self._by_target_prefix,
            "endpoint": self._by_endpoint_prefix,
        }
        return {**self._data(), "lookups": lookups}

    def to_json(self) -> str:
        return json.dumps(self._data(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def build(cls, loader: Any = None) -> ServiceIndex:
        """Extract the index from every installed botocore model (takes seconds)."""
        import botocore
        from botocore.exceptions import DataNotFoundError
        from botocore.loaders import create_loader

        loader = loader or create_loader()
        services: dict[str, dict[str, Any]] = {}
        for name in sorted(loader.list_available_services("service-2")):
            model = loader.load_service_model(name, "service-2")
            try:
                rules = loader.load_service_model(name, "endpoint-rule-set-1")
            except DataNotFoundError:
                rules = None
            services[name] = _extract(model, rules)
        return cls({"format": FORMAT_VERSION, "botocore": botocore.__version__, "services": services})

    # -- lookups ------------------------------------------------------------------------

    def service_names(self) -> list[str]:
        return sorted(self._raw)

    def __contains__(self, name: object) -> bool:
        return name in self._raw

    def __len__(self) -> int:
        return len(self._raw)

    def service(self, name: str) -> ServiceInfo:
        """The facts of one service; ``KeyError`` for a name botocore does not have."""
        info = self._services.get(name)
        if info is None:
            info = self._services[name] = ServiceInfo(name, self._raw[name])
        return info

    def services(self) -> Iterable[ServiceInfo]:
        return (self.service(name) for name in self._raw)

    def by_signing_name(self, signing_name: str) -> tuple[str, ...]:
        """Services that sign as ``signing_name`` (several for ``s3``, ``bedrock``...)."""
        if self._by_signing_name is None:
            self._by_signing_name = _group(
                (alias, info.name) for info in self.services() for alias in info.signing_names
            )
        return self._by_signing_name.get(signing_name, ())

    def by_target_prefix(self, target_prefix: str) -> tuple[str, ...]:
        """Services whose ``X-Amz-Target`` (json) or cbor service name is ``target_prefix``."""
        if self._by_target_prefix is None:
            self._by_target_prefix = _group(
                (info.target_prefix, info.name) for info in self.services() if info.target_prefix
            )
        return self._by_target_prefix.get(target_prefix, ())

    def by_endpoint_prefix(self, endpoint_prefix: str) -> tuple[str, ...]:
        """Services whose hostname starts with ``endpoint_prefix`` (``monitoring``...)."""
        if self._by_endpoint_prefix is None:
            self._by_endpoint_prefix = _group(
                (info.endpoint_prefix, info.name) for info in self.services()
            )
        return self._by_endpoint_prefix.get(endpoint_prefix, ())

    def query_services_with_action(self, action: str) -> tuple[str, ...]:
        """The services that accept ``Action=<action>`` (query, ec2, query-compatible)."""
        if self._query_actions is None:
            self._query_actions = _group(
                (operation, info.name)
                for info in self.services()
                if info.speaks_query
                for operation in info.operations
            )
        return self._query_actions.get(action, ())

    def bearer_services(self) -> tuple[str, ...]:
        """Services whose model allows a bearer token (``Authorization: Bearer ...``)."""
        return tuple(info.name for info in self.services() if info.bearer_auth)


def _stamp(path: Path) -> tuple[int, bytes] | None:
    """A gzip file's size and trailer: the CRC-32 and length of what it holds (None: no
    such file)."""
    try:
        with open(path, "rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - 8))
            return (size, file.read(8))
    except OSError:
        return None


def _from_json_gz(content: bytes) -> Any:
    return json.loads(gzip.decompress(content))


def _from_marshal(content: bytes) -> Any:
    return marshal.loads(content)


def _group(pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for key, name in pairs:
        names = grouped.setdefault(key, [])
        if name not in names:
            names.append(name)
    return {key: tuple(names) for key, names in grouped.items()}


def _extract(model: dict[str, Any], rules: dict[str, Any] | None) -> dict[str, Any]:
    """The routing facts of one raw ``service-2`` model (and its endpoint rules)."""
    meta = model["metadata"]
    protocol = meta["protocol"]
    entry: dict[str, Any] = {"protocol": protocol, "endpointPrefix": meta["endpointPrefix"]}
    for key in ("protocols", "targetPrefix", "signingName", "jsonVersion", "apiVersion"):
        if meta.get(key):
            entry[key] = meta[key]
    if "awsQueryCompatible" in meta:  # an empty dict: presence is the flag
        entry["awsQueryCompatible"] = True
    signing_name = meta.get("signingName") or meta["endpointPrefix"]
    aliases = sorted(_rule_signing_names(rules) - {signing_name})
    if aliases:
        entry["signingNameAliases"] = aliases
    if _BEARER_AUTH in meta.get("auth", ()) or meta.get("signatureVersion") == "bearer":
        entry["bearerAuth"] = True
    lines = []
    anonymous = []
    for name, operation in sorted(model["operations"].items()):
        if protocol in REST_PROTOCOLS:
            http = operation["http"]
            lines.append(f"{name} {http['method']} {http['requestUri']}")
        else:
            lines.append(name)
        if operation.get("authtype") == "none" or operation.get("auth") == [_NO_AUTH]:
            anonymous.append(name)
    entry["operations"] = "\n".join(lines)
    if anonymous:
        entry["anonymousOperations"] = " ".join(anonymous)
    return entry


def _rule_signing_names(rules: Any) -> set[str]:
    """Every ``signingName`` an endpoint rule set's ``authSchemes`` can produce."""
    found: set[str] = set()
    stack = [rules]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "authSchemes" and isinstance(value, list):
                    found.update(s["signingName"] for s in value if isinstance(s, dict) and "signingName" in s)
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def main(argv: list[str] | None = None) -> int:
    """``python -m cloudtwin.specs.index --write``: regenerate the shipped index."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m cloudtwin.specs.index", description=main.__doc__)
    parser.add_argument("--write", action="store_true", help=f"rebuild {SHIPPED_INDEX.name} in the package")
    parser.add_argument("--output", type=Path, help="write to this path instead")
    args = parser.parse_args(argv)
    index = ServiceIndex.build()
    target = args.output or (SHIPPED_INDEX if args.write else None)
    if target is None:
        parser.error("nothing to do: pass --write or --output PATH")
    index.write(target)
    print(f"wrote {target} ({len(index)} services, botocore {index.botocore_version})")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
