"""Lifecycle policies: AWS's rule grammar, their evaluation against a repository's images
on the virtual clock (previews, and the daily run that expires or archives images), and the
handlers (mixed into the provider).

Evaluation follows AWS's documented rules: rules apply from the lowest ``rulePriority``; an
image is acted on by at most one rule; an image that matches the tag selection of a rule can
never be acted on by a later (lower priority) rule, though later rules still count it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ecr.errors import invalid_at
from cloudtwin.services.ecr.models import EcrStore, Image, Repository
from cloudtwin.services.ecr.paging import page
from cloudtwin.services.ecr.repositories import dt

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

Params = dict[str, Any]
DAY = 86400.0
TAG_STATUSES = ("tagged", "untagged", "any")
COUNT_TYPES = ("imageCountMoreThan", "sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned")
#: How often AWS runs a repository's lifecycle policy ("within 24 hours").
EVALUATION_PERIOD = DAY


def _invalid(reason: str) -> ServiceError:
    return invalid_at("LifecyclePolicyText", f"Lifecycle policy validation failure: {reason}")


@dataclass(frozen=True, slots=True)
class Rule:
    priority: int
    tag_status: str
    prefixes: tuple[str, ...]
    patterns: tuple[str, ...]
    count_type: str
    count: int
    action: str  # expire | transition
    storage_class: str | None = None

    def selects(self, image: Image) -> bool:
        if self.tag_status == "untagged":
            return not image.tags
        if self.tag_status == "any":
            return True
        if not image.tags:
            return False
        return all(any(t.startswith(p) for t in image.tags) for p in self.prefixes) and all(
            any(fnmatchcase(t, p) for t in image.tags) for p in self.patterns
        )


def parse(text: str) -> list[Rule]:
    """The rules of a policy text, checked as AWS checks them."""
    try:
        doc = json.loads(text)
    except ValueError:
        raise _invalid("Could not map policyString into LifecyclePolicy.") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list) or not doc["rules"]:
        raise _invalid('object has missing required properties (["rules"])')
    rules = [_rule(raw) for raw in doc["rules"]]
    priorities = [r.priority for r in rules]
    if len(set(priorities)) != len(priorities):
        raise _invalid("Rules must have unique rulePriority values.")
    ordered = sorted(rules, key=lambda r: r.priority)
    if any(r.tag_status == "any" for r in ordered[:-1]):
        raise _invalid("A rule with tagStatus 'any' must have the highest rulePriority value.")
    return ordered


def _rule(raw: Any) -> Rule:
    if not isinstance(raw, dict):
        raise _invalid("Could not map policyString into LifecyclePolicy.")
    missing = [k for k in ("rulePriority", "selection", "action") if k not in raw]
    if missing:
        raise _invalid(f"object has missing required properties ({json.dumps(missing)})")
    priority = raw["rulePriority"]
    if not isinstance(priority, int) or isinstance(priority, bool) or priority < 1:
        raise _invalid("rulePriority must be an integer of at least 1.")
    selection, action = raw["selection"], raw["action"]
    if not isinstance(selection, dict) or not isinstance(action, dict):
        raise _invalid("Could not map policyString into LifecyclePolicy.")
    status = selection.get("tagStatus")
    if status not in TAG_STATUSES:
        raise _invalid(f'tagStatus must be one of {list(TAG_STATUSES)}, not {json.dumps(status)}.')
    prefixes, patterns = selection.get("tagPrefixList") or [], selection.get("tagPatternList") or []
    if status == "tagged" and not (prefixes or patterns):
        raise _invalid("tagPrefixList or tagPatternList is required when tagStatus is tagged.")
    if status == "tagged" and prefixes and patterns:
        raise _invalid("tagPrefixList and tagPatternList cannot both be specified.")
    if status != "tagged" and (prefixes or patterns):
        raise _invalid("tagPrefixList and tagPatternList can only be specified when tagStatus is tagged.")
    count_type = selection.get("countType")
    if count_type not in COUNT_TYPES:
        raise _invalid(f"countType must be one of {list(COUNT_TYPES)}, not {json.dumps(count_type)}.")
    unit = selection.get("countUnit")
    if count_type == "imageCountMoreThan" and unit is not None:
        raise _invalid("countUnit cannot be specified when countType is imageCountMoreThan.")
    if count_type != "imageCountMoreThan" and unit != "days":
        raise _invalid(f"countUnit must be 'days' when countType is {count_type}.")
    count = selection.get("countNumber")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise _invalid("countNumber must be an integer of at least 1.")
    kind = action.get("type")
    if kind not in ("expire", "transition"):
        raise _invalid(f"action type must be one of [\"expire\", \"transition\"], not {json.dumps(kind)}.")
    storage = action.get("targetStorageClass")
    if kind == "transition" and storage != "archive":
        raise _invalid("targetStorageClass must be 'archive' for a transition action.")
    return Rule(priority, status, tuple(prefixes), tuple(patterns), count_type, count, kind,
                storage if kind == "transition" else None)  # fmt: skip


def evaluate(rules: list[Rule], images: list[Image], now: float) -> list[tuple[Image, Rule]]:
    """Which images the rules act on at ``now``, each with the rule acting on it."""
    protected: set[str] = set()
    acted: dict[str, tuple[Image, Rule]] = {}
    for rule in rules:
        matching = [i for i in images if rule.selects(i)]
        if rule.action == "transition":
            matching = [i for i in matching if i.status == "ACTIVE"]
        if rule.count_type == "imageCountMoreThan":
            # Newest first; images pushed at the same instant in the order they were pushed.
            order = {image.digest: n for n, image in enumerate(images)}
            over = sorted(matching, key=lambda i: (i.pushed, order[i.digest]), reverse=True)[rule.count :]
        else:
            horizon = now - rule.count * DAY
            over = [i for i in matching if (_since(rule.count_type, i) or now) < horizon]
        for image in over:
            if image.digest not in protected and image.digest not in acted:
                acted[image.digest] = (image, rule)
        protected.update(i.digest for i in matching)
    return sorted(acted.values(), key=lambda pair: (pair[1].priority, pair[0].pushed))


def _since(count_type: str, image: Image) -> float | None:
    if count_type == "sinceImagePulled":
        return image.last_pull if image.last_pull is not None else image.pushed
    if count_type == "sinceImageTransitioned":
        return image.archived
    return image.pushed


def _action(rule: Rule) -> Params:
    if rule.action == "transition":
        return {"type": "TRANSITION", "targetStorageClass": "ARCHIVE"}
    return {"type": "EXPIRE"}


class LifecycleOperations:
    _repository: Any
    stores: Any

    def _policy_not_found(self, repo: Repository) -> ServiceError:
        return ServiceError(
            "LifecyclePolicyNotFoundException",
            f"Lifecycle policy does not exist for the repository with name '{repo.name}' in the registry with id "
            f"'{repo.registry_id}'",
        )

    def _policy_answer(self, repo: Repository, text: str) -> Params:
        return {"registryId": repo.registry_id, "repositoryName": repo.name, "lifecyclePolicyText": text}

    def put_lifecycle_policy(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        text = params["lifecyclePolicyText"]
        parse(text)
        repo.lifecycle, repo.lifecycle_set = text, ctx.clock.now()
        store.repositories.save(repo.name)
        return self._policy_answer(repo, text)

    def get_lifecycle_policy(self, ctx: "RequestContext", params: Params) -> Params:
        _, repo = self._repository(ctx, params)
        if repo.lifecycle is None:
            raise self._policy_not_found(repo)
        return {**self._policy_answer(repo, repo.lifecycle), "lastEvaluatedAt": dt(repo.lifecycle_evaluated or 0)}

    def delete_lifecycle_policy(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        if repo.lifecycle is None:
            raise self._policy_not_found(repo)
        out = {**self._policy_answer(repo, repo.lifecycle), "lastEvaluatedAt": dt(repo.lifecycle_evaluated or 0)}
        repo.lifecycle = repo.lifecycle_evaluated = repo.lifecycle_set = None
        store.repositories.save(repo.name)
        return out

    def start_lifecycle_policy_preview(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        text = params.get("lifecyclePolicyText") or repo.lifecycle
        if text is None:
            raise self._policy_not_found(repo)
        rules = parse(text)
        results = []
        for image, rule in evaluate(rules, store.images_of(repo.name), ctx.clock.now()):
            entry: Params = {"imageTags": list(image.tags), "imageDigest": image.digest,
                             "imagePushedAt": image.pushed, "action": _action(rule),
                             "appliedRulePriority": rule.priority}  # fmt: skip
            results.append(entry)
        repo.preview = {"text": text, "results": results}
        store.repositories.save(repo.name)
        return {**self._policy_answer(repo, text), "status": "IN_PROGRESS"}

    def get_lifecycle_policy_preview(self, ctx: "RequestContext", params: Params) -> Params:
        _, repo = self._repository(ctx, params)
        if repo.preview is None:
            raise ServiceError(
                "LifecyclePolicyPreviewNotFoundException",
                f"Lifecycle policy preview does not exist for the repository with name '{repo.name}' in the registry "
                f"with id '{repo.registry_id}'",
            )
        results = [dict(r, imagePushedAt=dt(r["imagePushedAt"])) for r in repo.preview["results"]]
        status = (params.get("filter") or {}).get("tagStatus") or "ANY"
        if status != "ANY":
            results = [r for r in results if bool(r["imageTags"]) == (status == "TAGGED")]
        if params.get("imageIds"):
            wanted = params["imageIds"]
            results = [r for r in results if any(_names(w, r) for w in wanted)]
        summary: Params = {"expiringImageTotalCount": sum(1 for r in repo.preview["results"] if r["action"]["type"] == "EXPIRE")}
        moving = sum(1 for r in repo.preview["results"] if r["action"]["type"] == "TRANSITION")
        if moving:
            summary["transitioningImageTotalCounts"] = [{"targetStorageClass": "ARCHIVE", "imageTotalCount": moving}]
        chunk, token = page(results, params)
        for r in chunk:
            if not r["imageTags"]:
                r.pop("imageTags")
        out = {**self._policy_answer(repo, repo.preview["text"]), "status": "COMPLETE", "previewResults": chunk,
               "summary": summary}  # fmt: skip
        if token:
            out["nextToken"] = token
        return out

    # -- the daily run ---------------------------------------------------------------------------

    def _run_lifecycle(self, now: float) -> dict[str, int]:
        expired = archived = 0
        for _, store in self.stores.items():
            for repo in list(store.repositories.values()):
                if repo.lifecycle is None:
                    continue
                last = repo.lifecycle_evaluated or repo.lifecycle_set or now
                if now - last < EVALUATION_PERIOD:
                    continue
                e, a = apply(store, repo, now)
                expired, archived = expired + e, archived + a
        return {"expired": expired, "archived": archived}


def apply(store: EcrStore, repo: Repository, now: float) -> tuple[int, int]:
    """Run a repository's lifecycle policy now: expire and archive what it selects."""
    expired = archived = 0
    try:
        rules = parse(repo.lifecycle or "")
    except ServiceError:
        rules = []
    for image, rule in evaluate(rules, store.images_of(repo.name), now):
        if rule.action == "expire":
            store.drop_image(image)
            expired += 1
        else:
            image.status, image.archived = "ARCHIVED", now
            store.save_image(image)
            archived += 1
    repo.lifecycle_evaluated = now
    store.repositories.save(repo.name)
    return expired, archived


def _names(wanted: Params, result: Params) -> bool:
    digest, tag = wanted.get("imageDigest"), wanted.get("imageTag")
    return (not digest or digest == result["imageDigest"]) and (not tag or tag in result["imageTags"])
