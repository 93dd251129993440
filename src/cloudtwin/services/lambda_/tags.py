"""Tag handlers (``TagResource``, ``UntagResource``, ``ListTags``) over every taggable Lambda
resource: functions (tagging one is a revision of its ``$LATEST``), event source mappings
and code signing configs. Capacity providers are not kept here: none is ever found."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any, Callable

from cloudtwin.services.lambda_ import names
from cloudtwin.services.lambda_.errors import lambda_error

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

Params = dict[str, Any]

MAX_TAGS = 50
_KIND = re.compile(r"arn:[^:]+:lambda:[^:]+:\d{12}:(?P<kind>[a-z-]+):(?P<id>.+)")


def too_many_tags() -> Exception:
    return lambda_error("InvalidParameterValueException", "Number of tags exceeds resource tag limit.")


def check_tag_count(tags: dict | None) -> None:
    if tags and len(tags) > MAX_TAGS:
        raise too_many_tags()


class TagOperations:
    """Handlers mixed into the Lambda provider."""

    def _taggable(self, ctx: "RequestContext", arn: str) -> tuple[dict, Callable[[], None], Callable[[], None]]:
        """``(the resource's tags, save, mark changed)``."""
        match = _KIND.fullmatch(arn)
        kind = match["kind"] if match else "function"
        if kind == "event-source-mapping":
            store = self._store(ctx.account_id, ctx.region)  # type: ignore[attr-defined]
            mapping = store.mappings.get(match["id"])
            if mapping is None:
                raise lambda_error("ResourceNotFoundException", f"Event source mapping not found: {arn}", 404)
            return mapping.setdefault("_tags", {}), lambda: store.mappings.save(match["id"]), lambda: None
        if kind == "code-signing-config":
            store, config = self._signing(ctx, arn)  # type: ignore[attr-defined]
            return config.setdefault("_tags", {}), lambda: store.signing.save(arn), lambda: None
        if kind == "capacity-provider":
            raise lambda_error("ResourceNotFoundException", f"Capacity provider not found: {arn}", 404)
        ref = names.parse(arn, ctx.account_id, ctx.region)
        if ref.qualifier:
            raise names.invalid("Tags on function aliases and versions are not supported. Please specify a function ARN.")
        store, record = self._function(ctx, ref)  # type: ignore[attr-defined]

        def revised() -> None:
            record["latest"]["RevisionId"] = str(uuid.uuid4())

        return record["tags"], lambda: store.save(ref.name), revised

    def tag_resource(self, ctx: "RequestContext", params: Params) -> Params:
        tags, save, revised = self._taggable(ctx, params["Resource"])
        if not params["Tags"]:
            raise lambda_error("InvalidParameterValueException", "An error occurred and the request cannot be processed.")
        check_tag_count({**tags, **params["Tags"]})
        tags.update(params["Tags"])
        revised()
        save()
        return {}

    def untag_resource(self, ctx: "RequestContext", params: Params) -> Params:
        tags, save, revised = self._taggable(ctx, params["Resource"])
        for key in params["TagKeys"]:
            tags.pop(key, None)
        revised()
        save()
        return {}

    def list_tags(self, ctx: "RequestContext", params: Params) -> Params:
        return {"Tags": dict(self._taggable(ctx, params["Resource"])[0])}
