"""AWS Systems Manager: Parameter Store, documents, maintenance windows, patch baselines.

Parameters and their versions live in the store (models.py); names are validated as AWS
does (names.py); SecureString values go through KMS (secure.py); filters and paging in
filters.py; parameter policies in policies.py; public and Secrets Manager parameters in
references.py. Documents (documents.py), maintenance windows and patch baselines
(windows.py) are stored and answered. The other SSM operations (automation, sessions,
managed instances...) answer not-implemented.
"""

from __future__ import annotations

import re
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.provider import ServiceProvider
from cloudtwin.services.ssm import changes
from cloudtwin.services.ssm import names as naming
from cloudtwin.services.ssm import policies as parameter_policies
from cloudtwin.services.ssm import references, secure
from cloudtwin.services.ssm.documents import DocumentOperations
from cloudtwin.services.ssm.filters import legacy_filters, paginate, string_filters
from cloudtwin.services.ssm.models import Parameter, ParameterStore, ParameterVersion
from cloudtwin.services.ssm.window_tasks import WindowTaskOperations
from cloudtwin.services.ssm.windows import MaintenanceOperations

_STANDARD_LIMIT = 4096
_ADVANCED_LIMIT = 8192
_MAX_VERSIONS = 100
_MAX_LABELS = 10
_EXISTS = "The parameter already exists. To overwrite this value, set the overwrite option in the request to true."


def _bad_label(label: str) -> bool:
    return (
        len(label) > 100
        or label.lower().startswith(("aws", "ssm"))
        or label[:1].isdigit()
        or not re.fullmatch(r"[A-Za-z0-9_.\-]+", label)
    )


class Provider(DocumentOperations, MaintenanceOperations, WindowTaskOperations, ServiceProvider):
    service_name = "ssm"
    store_class = ParameterStore

    def __init__(self, env) -> None:
        super().__init__(env)
        env.processors.register("ssm-parameter-policies", self._process)

    def _process(self, now: float) -> dict[str, int]:
        expired = 0
        for _, store in self.stores.items():
            for name in list(store.expiring):
                parameter = store.parameters.get(name)
                if parameter is None:
                    store.expiring.discard(name)
                elif parameter.expires is not None and parameter.expires <= now:
                    self._delete(store, parameter)
                    expired += 1
        return {"expired": expired}

    # -- lookup -------------------------------------------------------------------------------

    def _find(self, ctx: RequestContext, name: str) -> Parameter | None:
        store: ParameterStore = ctx.store
        candidates = naming.names_for_arn(name) if name.startswith("arn:") else [name]
        for candidate in candidates:
            parameter = store.parameters.get(candidate)
            if parameter is not None:
                if parameter.expires is not None and parameter.expires <= ctx.clock.now():
                    self._delete(store, parameter)
                    return None
                return parameter
        return None

    def _require(self, ctx: RequestContext, name: str) -> Parameter:
        parameter = self._find(ctx, name)
        if parameter is None:
            raise ServiceError("ParameterNotFound", "")
        return parameter

    def _delete(self, store: ParameterStore, parameter: Parameter) -> None:
        for version in parameter.versions:
            store.versions.pop((parameter.name, version), None)
        store.parameters.pop(parameter.name, None)
        store.remove_name(parameter.name)
        store.expiring.discard(parameter.name)

    def _selected(self, ctx: RequestContext, raw: str) -> tuple[Parameter, ParameterVersion, str | None]:
        """The parameter and version a name with an optional ``:version``/``:label`` selects."""
        name, selector = naming.split_selector(raw)
        parameter = self._require(ctx, name)
        store: ParameterStore = ctx.store
        if selector is None:
            return parameter, store.versions[(parameter.name, parameter.latest)], None
        if selector.isdigit():
            version = store.versions.get((parameter.name, int(selector)))
            if version is None:
                raise ServiceError(
                    "ParameterVersionNotFound",
                    f"Systems Manager could not find version {selector} of {parameter.name}. "
                    "Verify the version and try again.",
                )
            return parameter, version, ":" + selector
        for number in parameter.versions:
            version = store.versions[(parameter.name, number)]
            if selector in version.labels:
                return parameter, version, ":" + selector
        raise ServiceError("ParameterVersionNotFound", f"Systems Manager could not find label {selector} of {parameter.name}.")

    def _value(self, ctx: RequestContext, parameter: Parameter, version: ParameterVersion, decrypt: bool) -> str:
        if version.type != "SecureString":
            return version.value  # type: ignore[return-value]
        if not decrypt:
            return secure.masked(version.value, version.envelope)  # type: ignore[arg-type]
        return secure.decrypt(self.env.internal, ctx, parameter.arn, version.value, version.envelope)  # type: ignore[arg-type]

    def _render(
        self, ctx: RequestContext, parameter: Parameter, version: ParameterVersion, decrypt: bool,
        selector: str | None = None,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Name": parameter.name,
            "Type": version.type,
            "Value": self._value(ctx, parameter, version, decrypt),
            "Version": version.version,
            "LastModifiedDate": version.modified,
            "ARN": parameter.arn,
            "DataType": version.data_type,
        }
        if selector:
            out["Selector"] = selector
        return out

    # -- writing ------------------------------------------------------------------------------

    def put_parameter(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["Name"]
        naming.check_name(name)
        store: ParameterStore = ctx.store
        existing = self._find(ctx, name)
        overwrite = params.get("Overwrite", False)
        if existing is not None and not overwrite:
            raise ServiceError("ParameterAlreadyExists", _EXISTS)
        if existing is not None and params.get("Tags"):
            raise ServiceError(
                "ValidationException",
                "Invalid request: tags and overwrite can't be used together. To create a parameter with "
                "tags, please remove overwrite flag. To update tags for an existing parameter, please "
                "use AddTagsToResource or RemoveTagsFromResource.",
            )
        previous = store.versions[(existing.name, existing.latest)] if existing is not None else None
        kind = params.get("Type") or (previous.type if previous else None)
        if kind is None:
            raise ServiceError("ValidationException", "A parameter type is required when you create a parameter.")
        value = params["Value"]
        key_id = params.get("KeyId")
        if key_id and kind != "SecureString":
            raise ServiceError(
                "ValidationException", "KeyId is required for SecureString type parameter only."
            )
        if kind == "SecureString" and not key_id and previous is not None and previous.type == "SecureString":
            key_id = previous.key_id if params.get("Type") is None else None
        pattern = params.get("AllowedPattern", previous.allowed_pattern if previous and "AllowedPattern" not in params else None)
        if pattern is not None:
            try:
                compiled = re.compile(pattern)
            except re.error:
                raise ServiceError(
                    "InvalidAllowedPatternException", "The allowed pattern is not a valid regular expression."
                ) from None
            if not compiled.fullmatch(value):
                raise ServiceError(
                    "ParameterPatternMismatchException",
                    f"Parameter value, cannot be validated against allowedPattern: {pattern}",
                )
        data_type = params.get("DataType") or (previous.data_type if previous else "text")
        if data_type == "aws:ec2:image" and not re.fullmatch(r"ami-[0-9a-f]{8,17}", value):
            raise ServiceError(
                "ValidationException",
                "The parameter value must be in the format ami-xxxxxxxx or ami-xxxxxxxxxxxxxxxxx.",
            )
        if data_type == "aws:ec2:image" and kind != "String":
            raise ServiceError("ValidationException", "The data type aws:ec2:image is only valid for String parameters.")
        policies, expires = [], None
        if params.get("Policies"):
            policies, expires = parameter_policies.parse(params["Policies"])
        tier = self._tier(params.get("Tier"), previous, value, bool(policies))
        if len(value) > (_ADVANCED_LIMIT if tier == "Advanced" else _STANDARD_LIMIT):
            if tier == "Advanced":
                raise ServiceError("ValidationException", "Advanced tier parameters support a maximum parameter value of 8192 characters.")
            raise ServiceError(
                "ValidationException",
                "Standard tier parameters support a maximum parameter value of 4096 characters. To create "
                "a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For "
                "more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/"
                "parameter-store-advanced-parameters.html",
            )
        arn = existing.arn if existing else naming.parameter_arn(ctx.partition, ctx.region, ctx.account_id, name)
        number = existing.latest + 1 if existing else 1
        version = ParameterVersion(
            version=number,
            type=kind,
            value=value,
            modified=ctx.clock.now(),
            user=ctx.identity.arn_in(ctx.region),
            tier=tier,
            data_type=data_type,
            description=params.get("Description", previous.description if previous else None),
            allowed_pattern=pattern,
            key_id=(key_id or secure.DEFAULT_KEY) if kind == "SecureString" else None,
            policies=policies,
        )
        if kind == "SecureString":
            version.value, version.envelope = secure.encrypt(
                self.env.internal, ctx, arn, key_id, value, tier == "Advanced"
            )
        if existing is None:
            parameter = Parameter(name=name, arn=arn, latest=number, tags={})
            for tag in params.get("Tags") or ():
                parameter.tags[tag["Key"]] = tag["Value"]
        else:
            parameter = existing
            if len(parameter.versions) >= _MAX_VERSIONS:
                oldest = store.versions[(parameter.name, parameter.versions[0])]
                if oldest.labels:
                    raise ServiceError(
                        "ParameterMaxVersionLimitExceeded",
                        f"You attempted to create a new version of {name} by calling the PutParameter API "
                        f"with the overwrite flag. Version {oldest.version}, the oldest version, can't be "
                        "deleted because it has a label associated with it. Move the label to another "
                        "version of the parameter, and try again.",
                    )
                store.versions.pop((parameter.name, oldest.version))
                parameter.versions.pop(0)
        parameter.latest = number
        parameter.versions.append(number)
        parameter.expires = expires
        store.versions[(name if existing is None else parameter.name, number)] = version
        store.parameters[parameter.name] = parameter
        store.add_name(parameter.name)
        if expires is not None:
            store.expiring.add(parameter.name)
        else:
            store.expiring.discard(parameter.name)
        changes.announce(self.env.internal, ctx, "Create" if existing is None else "Update", parameter.name,
                         version.type, version.description)
        return {"Version": number, "Tier": tier}

    @staticmethod
    def _tier(asked: str | None, previous: ParameterVersion | None, value: str, has_policies: bool) -> str:
        if asked == "Intelligent-Tiering":
            return "Advanced" if has_policies or len(value) > _STANDARD_LIMIT or (previous and previous.tier == "Advanced") else "Standard"
        if asked == "Standard" and previous is not None and previous.tier == "Advanced":
            raise ServiceError(
                "ValidationException",
                "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the "
                "advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the "
                "advanced parameter and recreate it as a standard parameter.",
            )
        tier = asked or (previous.tier if previous else "Standard")
        if has_policies and tier == "Standard":
            raise ServiceError(
                "ValidationException",
                "Parameter policies are supported only for the advanced-parameter tier.",
            )
        return tier

    def delete_parameter(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        parameter = self._require(ctx, params["Name"])
        self._deleted(ctx, parameter)
        return {}

    def _deleted(self, ctx: RequestContext, parameter: Parameter) -> None:
        latest = ctx.store.versions.get((parameter.name, parameter.latest))
        self._delete(ctx.store, parameter)
        changes.announce(self.env.internal, ctx, "Delete", parameter.name, latest.type if latest else None,
                         latest.description if latest else None)

    def delete_parameters(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        deleted, invalid = [], []
        for name in params["Names"]:
            parameter = self._find(ctx, name)
            if parameter is None:
                invalid.append(name)
            else:
                self._deleted(ctx, parameter)
                deleted.append(name)
        return {"DeletedParameters": deleted, "InvalidParameters": invalid}

    # -- reading ------------------------------------------------------------------------------

    def _read(self, ctx: RequestContext, raw: str, decrypt: bool) -> dict[str, Any]:
        """One parameter as GetParameter(s) answers it: the account's own, a public one, or
        a Secrets Manager secret referenced by name."""
        naming.check_lookup(raw)
        if raw.startswith(references.SECRET_PREFIX):
            return references.secret_parameter(ctx, self.env.internal, raw, decrypt)
        if raw.startswith(references.PUBLIC_PREFIX):
            return references.public_parameter(ctx, raw)
        parameter, version, selector = self._selected(ctx, raw)
        return self._render(ctx, parameter, version, decrypt, selector)

    def get_parameter(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return {"Parameter": self._read(ctx, params["Name"], params.get("WithDecryption", False))}

    def get_parameters(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        found, invalid = [], []
        decrypt = params.get("WithDecryption", False)
        for raw in params["Names"]:
            try:
                found.append(self._read(ctx, raw, decrypt))
            except ServiceError as error:
                if error.code in ("ParameterNotFound", "ParameterVersionNotFound"):
                    invalid.append(raw)
                    continue
                raise
        return {"Parameters": found, "InvalidParameters": invalid}

    def get_parameters_by_path(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        path = params["Path"]
        if (path + "/").startswith(references.PUBLIC_PREFIX):
            public = references.public_by_path(ctx, path, params.get("Recursive", False))
            chunk, token = paginate(public, params, default=10)
            return {"Parameters": chunk, **({"NextToken": token} if token else {})}
        naming.check_path(path)
        check = string_filters(params.get("ParameterFilters"), by_path=True)
        prefix = path if path.endswith("/") else path + "/"
        recursive = params.get("Recursive", False)
        store: ParameterStore = ctx.store
        now = ctx.clock.now()
        labels = [
            v for f in params.get("ParameterFilters") or () if f["Key"] == "Label" for v in f.get("Values") or ()
        ]
        matches = []
        for name in store.names_under(prefix):
            if not recursive and "/" in name[len(prefix):]:
                continue
            parameter = store.parameters[name]
            if parameter.expires is not None and parameter.expires <= now:
                continue
            version = store.versions[(name, parameter.latest)]
            if labels:
                labelled = [
                    store.versions[(name, n)] for n in parameter.versions
                    if set(store.versions[(name, n)].labels) & set(labels)
                ]
                if not labelled:
                    continue
                version = labelled[-1]
            if check(parameter, version):
                matches.append((parameter, version))
        chunk, token = paginate(matches, params, default=10)
        decrypt = params.get("WithDecryption", False)
        out: dict[str, Any] = {"Parameters": [self._render(ctx, p, v, decrypt) for p, v in chunk]}
        if token:
            out["NextToken"] = token
        return out

    def describe_parameters(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("Filters") and params.get("ParameterFilters"):
            raise ServiceError(
                "ValidationException", "You can use either Filters or ParameterFilters in a single request."
            )
        check = string_filters(params.get("ParameterFilters"))
        legacy = legacy_filters(params.get("Filters"))
        store: ParameterStore = ctx.store
        now = ctx.clock.now()
        matches = []
        for name in store.sorted_names:
            parameter = store.parameters[name]
            if parameter.expires is not None and parameter.expires <= now:
                continue
            version = store.versions[(name, parameter.latest)]
            if check(parameter, version) and legacy(parameter, version):
                matches.append(self._metadata(parameter, version))
        chunk, token = paginate(matches, params, default=50)
        out: dict[str, Any] = {"Parameters": chunk}
        if token:
            out["NextToken"] = token
        return out

    @staticmethod
    def _metadata(parameter: Parameter, version: ParameterVersion) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "Name": parameter.name,
            "ARN": parameter.arn,
            "Type": version.type,
            "LastModifiedDate": version.modified,
            "LastModifiedUser": version.user,
            "Version": version.version,
            "Tier": version.tier,
            "Policies": [dict(p) for p in version.policies],
            "DataType": version.data_type,
        }
        for key, value in (("KeyId", version.key_id), ("Description", version.description),
                           ("AllowedPattern", version.allowed_pattern)):
            if value is not None:
                meta[key] = value
        return meta

    def get_parameter_history(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        parameter = self._require(ctx, params["Name"])
        store: ParameterStore = ctx.store
        decrypt = params.get("WithDecryption", False)
        entries = []
        for number in parameter.versions:
            version = store.versions[(parameter.name, number)]
            entry = self._metadata(parameter, version)
            del entry["ARN"]
            entry["Value"] = self._value(ctx, parameter, version, decrypt)
            entry["Labels"] = list(version.labels)
            entries.append(entry)
        chunk, token = paginate(entries, params, default=50)
        out: dict[str, Any] = {"Parameters": chunk}
        if token:
            out["NextToken"] = token
        return out

    # -- labels -------------------------------------------------------------------------------

    def label_parameter_version(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        parameter = self._require(ctx, params["Name"])
        store: ParameterStore = ctx.store
        number = params.get("ParameterVersion", parameter.latest)
        version = store.versions.get((parameter.name, number))
        if version is None:
            raise ServiceError(
                "ParameterVersionNotFound",
                f"Systems Manager could not find version {number} of {parameter.name}. "
                "Verify the version and try again.",
            )
        wanted = params["Labels"]
        invalid = [label for label in wanted if _bad_label(label)]
        good = [label for label in wanted if label not in invalid]
        if len(set(version.labels) | set(good)) > _MAX_LABELS:
            raise ServiceError(
                "ParameterVersionLabelLimitExceeded",
                "A parameter version can have maximum 10 labels.Move one or more labels to another version and try again.",
            )
        for label in good:
            # A label names one version of a parameter: move it here.
            for other in parameter.versions:
                if other == number:
                    continue
                holder = store.versions[(parameter.name, other)]
                if label in holder.labels:
                    holder.labels.remove(label)
                    store.versions.save((parameter.name, other))
            if label not in version.labels:
                version.labels.append(label)
        store.versions.save((parameter.name, number))
        return {"InvalidLabels": invalid, "ParameterVersion": number}

    def unlabel_parameter_version(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        parameter = self._require(ctx, params["Name"])
        store: ParameterStore = ctx.store
        number = params["ParameterVersion"]
        version = store.versions.get((parameter.name, number))
        if version is None:
            raise ServiceError(
                "ParameterVersionNotFound",
                f"Systems Manager could not find version {number} of {parameter.name}. "
                "Verify the version and try again.",
            )
        removed, invalid = [], []
        for label in params["Labels"]:
            if label in version.labels:
                version.labels.remove(label)
                removed.append(label)
            else:
                invalid.append(label)
        store.versions.save((parameter.name, number))
        return {"RemovedLabels": removed, "InvalidLabels": invalid}

    # -- tags ---------------------------------------------------------------------------------

    def _tagged(self, ctx: RequestContext, params: dict[str, Any]) -> Parameter:
        if params["ResourceType"] != "Parameter":
            raise ServiceError("InvalidResourceId", "")
        parameter = self._find(ctx, params["ResourceId"])
        if parameter is None:
            raise ServiceError("InvalidResourceId", "")
        return parameter

    def add_tags_to_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        parameter = self._tagged(ctx, params)
        tags = dict(parameter.tags)
        for tag in params["Tags"]:
            tags[tag["Key"]] = tag["Value"]
        if len(tags) > 50:
            raise ServiceError("TooManyTagsError", "")
        parameter.tags = tags
        ctx.store.parameters.save(parameter.name)
        return {}

    def remove_tags_from_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        parameter = self._tagged(ctx, params)
        for key in params["TagKeys"]:
            parameter.tags.pop(key, None)
        ctx.store.parameters.save(parameter.name)
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        parameter = self._tagged(ctx, params)
        return {"TagList": [{"Key": k, "Value": v} for k, v in parameter.tags.items()]}
