"""The control plane of state machines: create, describe, update, delete and list them,
publish versions, route aliases between versions, tags, and ``ValidateStateMachineDefinition``."""

from __future__ import annotations

import uuid
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.stepfunctions.definition import diagnostics, parse_definition
from cloudtwin.services.stepfunctions.errors import does_not_exist, invalid_arn, validation

Params = dict[str, Any]
MAX_DEFINITION = 1048576


def tag_dict(items: list[Params] | None) -> dict[str, str]:
    """A request's ``[{"key", "value"}]`` tags as a dict (both members are optional in the
    model: an entry without a key names no tag)."""
    return {t["key"]: t.get("value", "") for t in items or [] if t.get("key") is not None}


class MachinesMixin:
    """Operation handlers of state machines, versions, aliases and tags (mixed into the provider)."""

    env: Any

    # -- helpers ----------------------------------------------------------------------------------

    def _machine(self, ctx: RequestContext, arn: str) -> Params:
        parts = arn.split(":")
        if len(parts) < 7 or parts[2] != "states" or parts[5] != "stateMachine":
            raise invalid_arn(arn)
        machine = self._store(ctx).machines.get(arn)  # type: ignore[attr-defined]
        if machine is None:
            raise does_not_exist("State Machine", arn)
        return machine

    def _check_definition(self, text: str, machine_type: str) -> None:
        if len(text.encode()) > MAX_DEFINITION:
            raise validation("1 validation error detected: Value at 'definition' failed to satisfy constraint: "
                             "Member must have length less than or equal to 1048576")
        parse_definition(text, machine_type)

    def _check_role(self, role: str) -> None:
        parts = role.split(":")
        if len(parts) < 6 or parts[2] != "iam":
            raise invalid_arn(role)

    def _check_logging(self, config: Params | None, machine_type: str) -> Params:
        config = dict(config or {})
        level = config.get("level", "OFF")
        destinations = config.get("destinations") or []
        if level != "OFF" and not destinations:
            raise ServiceError("InvalidLoggingConfiguration",
                               "Invalid Logging Configuration: Must specify exactly one Log Destination.")
        if len(destinations) > 1:
            raise ServiceError("InvalidLoggingConfiguration",
                               "Invalid Logging Configuration: Must specify exactly one Log Destination.")
        for destination in destinations:
            arn = (destination.get("cloudWatchLogsLogGroup") or {}).get("logGroupArn", "")
            if not arn.startswith("arn:") or ":log-group:" not in arn or not arn.endswith(":*"):
                raise ServiceError("InvalidLoggingConfiguration",
                                   f"Invalid Logging Configuration: Log Destination not found. ({arn})")
        out: Params = {"level": level, "includeExecutionData": bool(config.get("includeExecutionData", False))}
        if "destinations" in config:
            out["destinations"] = destinations
        return out

    # -- state machines ---------------------------------------------------------------------------

    def create_state_machine(self, ctx: RequestContext, params: Params) -> Params:
        from cloudtwin.services.stepfunctions.provider import check_name

        name = params["name"]
        check_name(name)
        machine_type = params.get("type") or "STANDARD"
        self._check_definition(params["definition"], machine_type)
        self._check_role(params["roleArn"])
        if params.get("versionDescription") and not params.get("publish"):
            raise validation("Version description can only be set when publish is true")
        logging = self._check_logging(params.get("loggingConfiguration"), machine_type)
        store = self._store(ctx)  # type: ignore[attr-defined]
        arn = self._arn(ctx, f"stateMachine:{name}")  # type: ignore[attr-defined]
        existing = store.machines.get(arn)
        if existing is not None:
            same = (existing["definition"] == params["definition"] and existing["roleArn"] == params["roleArn"]
                    and existing["type"] == machine_type)
            if not same:
                raise ServiceError("StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'")
            out = {"stateMachineArn": arn, "creationDate": existing["creationDate"]}
            return out
        now = self.env.clock.now()
        machine: Params = {
            "stateMachineArn": arn, "name": name, "status": "ACTIVE", "definition": params["definition"],
            "roleArn": params["roleArn"], "type": machine_type, "creationDate": now,
            "loggingConfiguration": logging,
            "tracingConfiguration": params.get("tracingConfiguration") or {"enabled": False},
            "tags": tag_dict(params.get("tags")), "nextVersion": 1,
        }  # fmt: skip
        if params.get("encryptionConfiguration"):
            machine["encryptionConfiguration"] = params["encryptionConfiguration"]
        self.logs.configured(machine)  # type: ignore[attr-defined]
        store.machines[arn] = machine
        out = {"stateMachineArn": arn, "creationDate": now}
        if params.get("publish"):
            version = self._publish(ctx, machine, params.get("versionDescription"))
            out["stateMachineVersionArn"] = version["stateMachineArn"]
        return out

    def _publish(self, ctx: RequestContext, machine: Params, description: str | None) -> Params:
        store = self._store(ctx)  # type: ignore[attr-defined]
        revision = machine.get("revision") or str(uuid.uuid4())
        machine["revision"] = revision
        for version in store.versions.values():
            if version["parent"] == machine["stateMachineArn"] and version.get("revision") == revision:
                return version
        number = machine["nextVersion"]
        machine["nextVersion"] = number + 1
        store.machines[machine["stateMachineArn"]] = machine
        arn = f"{machine['stateMachineArn']}:{number}"
        version = {k: v for k, v in machine.items() if k not in ("tags", "nextVersion", "revisionId")}
        version.update(stateMachineArn=arn, parent=machine["stateMachineArn"], creationDate=self.env.clock.now(),
                       revision=revision, version=number)
        if machine.get("revisionId"):
            version["revisionId"] = machine["revisionId"]
        if description:
            version["description"] = description
        store.versions[arn] = version
        return version

    def describe_state_machine(self, ctx: RequestContext, params: Params) -> Params:
        arn = params["stateMachineArn"]
        parts = arn.split(":")
        store = self._store(ctx)  # type: ignore[attr-defined]
        if len(parts) == 8 and parts[5] == "stateMachine":
            record = store.versions.get(arn)
            if record is None:
                raise does_not_exist("State Machine", arn)
        else:
            record = self._machine(ctx, arn)
        keys = ("stateMachineArn", "name", "status", "definition", "roleArn", "type", "creationDate",
                "loggingConfiguration", "tracingConfiguration", "description", "encryptionConfiguration")
        out = {k: record[k] for k in keys if record.get(k) is not None}
        if record.get("revisionId"):
            out["revisionId"] = record["revisionId"]
        return out

    def update_state_machine(self, ctx: RequestContext, params: Params) -> Params:
        machine = self._machine(ctx, params["stateMachineArn"])
        fields = ("definition", "roleArn", "loggingConfiguration", "tracingConfiguration", "encryptionConfiguration")
        if not any(k in params for k in fields) and not params.get("publish"):
            raise ServiceError("MissingRequiredParameter",
                               "Either the definition, the role ARN, the LoggingConfiguration, the "
                               "EncryptionConfiguration or the TracingConfiguration must be specified")
        if params.get("versionDescription") and not params.get("publish"):
            raise validation("Version description can only be set when publish is true")
        changed = False
        if "definition" in params:
            self._check_definition(params["definition"], machine["type"])
            changed = changed or params["definition"] != machine["definition"]
            machine["definition"] = params["definition"]
        if "roleArn" in params:
            self._check_role(params["roleArn"])
            changed = changed or params["roleArn"] != machine["roleArn"]
            machine["roleArn"] = params["roleArn"]
        if "loggingConfiguration" in params:
            machine["loggingConfiguration"] = self._check_logging(params["loggingConfiguration"], machine["type"])
            self.logs.configured(machine)  # type: ignore[attr-defined]
        if "tracingConfiguration" in params:
            machine["tracingConfiguration"] = params["tracingConfiguration"]
        if "encryptionConfiguration" in params:
            machine["encryptionConfiguration"] = params["encryptionConfiguration"]
        if changed:
            # a new revision: published again, it makes a new version
            machine["revision"] = machine["revisionId"] = str(uuid.uuid4())
        now = self.env.clock.now()
        machine["updateDate"] = now
        self._store(ctx).machines[machine["stateMachineArn"]] = machine  # type: ignore[attr-defined]
        out: Params = {"updateDate": now}
        if machine.get("revisionId"):
            out["revisionId"] = machine["revisionId"]
        if params.get("publish"):
            out["stateMachineVersionArn"] = self._publish(ctx, machine, params.get("versionDescription"))[
                "stateMachineArn"]
        return out

    def delete_state_machine(self, ctx: RequestContext, params: Params) -> Params:
        arn = params["stateMachineArn"]
        parts = arn.split(":")
        if len(parts) < 7 or parts[2] != "states" or parts[5] != "stateMachine":
            raise invalid_arn(arn)
        store = self._store(ctx)  # type: ignore[attr-defined]
        if len(parts) == 8:
            store.versions.pop(arn, None)
            return {}
        store.machines.pop(arn, None)
        for key in [k for k, v in store.versions.items() if v["parent"] == arn]:
            del store.versions[key]
        for key in [k for k, v in store.aliases.items() if v["parent"] == arn]:
            del store.aliases[key]
        return {}

    def list_state_machines(self, ctx: RequestContext, params: Params) -> Params:
        from cloudtwin.services.stepfunctions.provider import page

        items = [{"stateMachineArn": m["stateMachineArn"], "name": m["name"], "type": m["type"],
                  "creationDate": m["creationDate"]} for m in self._store(ctx).machines.values()]  # type: ignore
        items.sort(key=lambda m: m["name"])  # AWS lists them by name
        return page(items, params, "stateMachines")

    def validate_state_machine_definition(self, ctx: RequestContext, params: Params) -> Params:
        _, found = diagnostics(params["definition"], params.get("type") or "STANDARD")
        severity = params.get("severity") or "ERROR"
        if severity == "ERROR":
            found = [d for d in found if d["severity"] == "ERROR"]
        limit = params.get("maxResults") or 100
        return {"result": "FAIL" if any(d["severity"] == "ERROR" for d in found) else "OK",
                "diagnostics": found[:limit], "truncated": len(found) > limit}

    # -- versions -----------------------------------------------------------------------------------

    def publish_state_machine_version(self, ctx: RequestContext, params: Params) -> Params:
        machine = self._machine(ctx, params["stateMachineArn"])
        if params.get("revisionId") and params["revisionId"] != machine.get("revision"):
            raise ServiceError("ConflictException", f"Failed to publish the State Machine version for revision "
                               f"{params['revisionId']}. The current State Machine revision is "
                               f"{machine.get('revision')}.")
        version = self._publish(ctx, machine, params.get("description"))
        return {"creationDate": version["creationDate"], "stateMachineVersionArn": version["stateMachineArn"]}

    def list_state_machine_versions(self, ctx: RequestContext, params: Params) -> Params:
        from cloudtwin.services.stepfunctions.provider import page

        machine = self._machine(ctx, params["stateMachineArn"])
        versions = [v for v in self._store(ctx).versions.values()  # type: ignore[attr-defined]
                    if v["parent"] == machine["stateMachineArn"]]
        versions.sort(key=lambda v: v["version"], reverse=True)
        items = [{"stateMachineVersionArn": v["stateMachineArn"], "creationDate": v["creationDate"]} for v in versions]
        return page(items, params, "stateMachineVersions")

    def delete_state_machine_version(self, ctx: RequestContext, params: Params) -> Params:
        arn = params["stateMachineVersionArn"]
        parts = arn.split(":")
        if len(parts) != 8 or parts[5] != "stateMachine" or not parts[7].isdigit():
            raise invalid_arn(arn)
        store = self._store(ctx)  # type: ignore[attr-defined]
        for alias in store.aliases.values():
            if any(r["stateMachineVersionArn"] == arn for r in alias["routingConfiguration"]):
                raise ServiceError("ConflictException", f"Version to be deleted must not be referenced by an alias. "
                                   f"Current list of aliases referencing this version: [{alias['name']}]")
        store.versions.pop(arn, None)
        return {}

    # -- aliases -----------------------------------------------------------------------------------

    def _routing(self, ctx: RequestContext, routes: list[Params]) -> str:
        store = self._store(ctx)  # type: ignore[attr-defined]
        parent = None
        arns = [r["stateMachineVersionArn"] for r in routes]
        listed = "[" + ", ".join(arns) + "]"
        if any(len(a.split(":")) != 8 or not a.split(":")[7].isdigit() for a in arns):
            raise validation(f"Routing configuration must contain state machine version ARNs. Received: {listed}")
        if len(set(arns)) != len(arns):
            raise validation(f"Routing configuration must contain distinct state machine version ARNs. "
                             f"Received: {listed}")
        if sum(r["weight"] for r in routes) != 100:
            weights = ", ".join(str(r["weight"]) for r in routes)
            raise validation(f"Sum of routing configuration weights must equal 100. Received: [{weights}]")
        for route in routes:
            arn = route["stateMachineVersionArn"]
            version = store.versions.get(arn)
            if version is None:
                raise ServiceError("ResourceNotFound", f"Resource not found: '{arn}'")
            if parent is not None and version["parent"] != parent:
                raise validation("Routing configuration must contain state machine versions of the same "
                                 "state machine.")
            parent = version["parent"]
        assert parent is not None
        return parent

    def create_state_machine_alias(self, ctx: RequestContext, params: Params) -> Params:
        from cloudtwin.services.stepfunctions.provider import check_name

        check_name(params["name"])
        parent = self._routing(ctx, params["routingConfiguration"])
        store = self._store(ctx)  # type: ignore[attr-defined]
        arn = f"{parent}:{params['name']}"
        existing = store.aliases.get(arn)
        if existing is not None:
            if existing["routingConfiguration"] == params["routingConfiguration"] and \
                    existing.get("description") == params.get("description"):
                return {"stateMachineAliasArn": arn, "creationDate": existing["creationDate"]}
            raise ServiceError("ConflictException", "Failed to create alias because an alias with the same name and "
                               f"a different routing configuration already exists.")
        now = self.env.clock.now()
        alias = {"stateMachineAliasArn": arn, "name": params["name"], "parent": parent,
                 "routingConfiguration": params["routingConfiguration"], "creationDate": now}
        if params.get("description") is not None:
            alias["description"] = params["description"]
        store.aliases[arn] = alias
        return {"stateMachineAliasArn": arn, "creationDate": now}

    def _alias(self, ctx: RequestContext, arn: str) -> Params:
        parts = arn.split(":")
        if len(parts) != 8 or parts[5] != "stateMachine" or parts[7].isdigit():
            raise invalid_arn(arn)
        alias = self._store(ctx).aliases.get(arn)  # type: ignore[attr-defined]
        if alias is None:
            raise ServiceError("ResourceNotFound", f"Resource not found: '{arn}'")
        return alias

    def describe_state_machine_alias(self, ctx: RequestContext, params: Params) -> Params:
        alias = self._alias(ctx, params["stateMachineAliasArn"])
        return {k: v for k, v in alias.items() if k != "parent"}

    def update_state_machine_alias(self, ctx: RequestContext, params: Params) -> Params:
        alias = self._alias(ctx, params["stateMachineAliasArn"])
        if "description" not in params and "routingConfiguration" not in params:
            raise validation("Either the description or the RoutingConfiguration must be specified")
        if "routingConfiguration" in params:
            self._routing(ctx, params["routingConfiguration"])
            alias["routingConfiguration"] = params["routingConfiguration"]
        if "description" in params:
            alias["description"] = params["description"]
        now = self.env.clock.now()
        alias["updateDate"] = now
        self._store(ctx).aliases[alias["stateMachineAliasArn"]] = alias  # type: ignore[attr-defined]
        return {"updateDate": now}

    def delete_state_machine_alias(self, ctx: RequestContext, params: Params) -> Params:
        arn = params["stateMachineAliasArn"]
        parts = arn.split(":")
        if len(parts) != 8 or parts[7].isdigit():
            raise invalid_arn(arn)
        self._store(ctx).aliases.pop(arn, None)  # type: ignore[attr-defined]
        return {}

    def list_state_machine_aliases(self, ctx: RequestContext, params: Params) -> Params:
        from cloudtwin.services.stepfunctions.provider import page

        arn = params["stateMachineArn"]
        parts = arn.split(":")
        store = self._store(ctx)  # type: ignore[attr-defined]
        if len(parts) == 8 and parts[7].isdigit():
            if arn not in store.versions:
                raise ServiceError("ResourceNotFound", f"Resource not found: '{arn}'")
            aliases = [a for a in store.aliases.values()
                       if any(r["stateMachineVersionArn"] == arn for r in a["routingConfiguration"])]
        else:
            self._machine(ctx, arn)
            aliases = [a for a in store.aliases.values() if a["parent"] == arn]
        items = [{"stateMachineAliasArn": a["stateMachineAliasArn"], "creationDate": a["creationDate"]}
                 for a in aliases]
        return page(items, params, "stateMachineAliases")

    # -- tags ----------------------------------------------------------------------------------------

    def _tagged(self, ctx: RequestContext, arn: str) -> tuple[Any, Params]:
        store = self._store(ctx)  # type: ignore[attr-defined]
        parts = arn.split(":")
        if len(parts) < 7 or parts[2] != "states":
            raise invalid_arn(arn)
        if parts[5] == "activity":
            table = store.activities
        elif parts[5] == "stateMachine":
            table = store.machines
        else:
            raise invalid_arn(arn)
        record = table.get(arn)
        if record is None:
            raise ServiceError("ResourceNotFound", f"Resource not found: '{arn}'")
        return table, record

    def tag_resource(self, ctx: RequestContext, params: Params) -> Params:
        table, record = self._tagged(ctx, params["resourceArn"])
        tags = dict(record.get("tags") or {})
        tags.update(tag_dict(params["tags"]))
        if len(tags) > 50:
            raise ServiceError("TooManyTags", "The number of tags exceeds the limit of 50", fields={
                "resourceName": params["resourceArn"]})
        record["tags"] = tags
        table[params["resourceArn"]] = record
        return {}

    def untag_resource(self, ctx: RequestContext, params: Params) -> Params:
        table, record = self._tagged(ctx, params["resourceArn"])
        tags = dict(record.get("tags") or {})
        for key in params["tagKeys"]:
            tags.pop(key, None)
        record["tags"] = tags
        table[params["resourceArn"]] = record
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: Params) -> Params:
        _, record = self._tagged(ctx, params["resourceArn"])
        return {"tags": [{"key": k, "value": v} for k, v in (record.get("tags") or {}).items()]}
