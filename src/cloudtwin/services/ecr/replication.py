"""Registry replication: an image pushed to a repository that a replication rule's filters
select is copied, with its layers and tags, to each of the rule's destinations (another
region or account of this cloudtwin). A destination repository that does not exist is
created as AWS creates it: from the repository creation template applied to REPLICATION
whose prefix matches (else ``ROOT``'s), otherwise with the defaults."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any, Iterator

from cloudtwin.services.ecr.models import EcrStore, Image, Repository


def destinations(store: EcrStore, repository: str) -> Iterator[dict[str, str]]:
    """The destinations the registry's replication rules send ``repository``'s images to."""
    seen: set[tuple[str, str]] = set()
    for rule in (store.registry.get("replication") or {}).get("rules") or []:
        filters = [f for f in rule.get("repositoryFilters") or [] if f.get("filterType") == "PREFIX_MATCH"]
        if filters and not any(repository.startswith(f.get("filter", "")) for f in filters):
            continue
        for destination in rule.get("destinations") or []:
            key = (destination.get("region", ""), destination.get("registryId", ""))
            if key not in seen:
                seen.add(key)
                yield destination


def template_for(store: EcrStore, name: str, applied_for: str) -> dict[str, Any] | None:
    """The repository creation template that applies to a new repository ``name`` made by
    ``applied_for`` (``REPLICATION``, ``CREATE_ON_PUSH``...): the longest matching prefix,
    else ``ROOT``."""
    matching = [
        t for prefix, t in store.templates.items()
        if applied_for in (t.get("appliedFor") or []) and prefix != "ROOT" and name.startswith(prefix.rstrip("/") + "/")
    ]  # fmt: skip
    if matching:
        return max(matching, key=lambda t: len(t["prefix"]))
    root = store.templates.get("ROOT")
    return root if root and applied_for in (root.get("appliedFor") or []) else None


def from_template(store: EcrStore, name: str, registry: str, region: str, partition: str, now: float,
                  template: dict[str, Any] | None) -> Repository:  # fmt: skip
    """A new repository with a creation template's settings (or the defaults), stored."""
    repo = Repository(name=name, arn=f"arn:{partition}:ecr:{region}:{registry}:repository/{name}",
                      registry_id=registry, region=region, created=now)  # fmt: skip
    if template is not None:
        repo.tag_mutability = template.get("imageTagMutability") or "MUTABLE"
        repo.mutability_filters = copy.deepcopy(template.get("imageTagMutabilityExclusionFilters") or [])
        repo.encryption = copy.deepcopy(template.get("encryptionConfiguration") or {"encryptionType": "AES256"})
        repo.tags = copy.deepcopy(template.get("resourceTags") or [])
        repo.policy = template.get("repositoryPolicy") or None
        if template.get("lifecyclePolicy"):
            repo.lifecycle, repo.lifecycle_set = template["lifecyclePolicy"], now
    store.repositories[name] = repo
    return repo


def _target_repository(target: EcrStore, source: Repository, registry: str, region: str, now: float) -> Repository:
    repo = target.repositories.get(source.name)
    if repo is not None:
        return repo
    template = template_for(target, source.name, "REPLICATION")
    return from_template(target, source.name, registry, region, source.arn.split(":")[1], now, template)


def replicate(stores: Any, store: EcrStore, repo: Repository, image: Image, now: float) -> None:
    """Copy ``image`` (and the layers it references) to every destination of ``repo``."""
    for destination in destinations(store, repo.name):
        registry, region = destination["registryId"], destination["region"]
        if (registry, region) == (repo.registry_id, repo.region):
            continue
        target = stores.get(registry, region)
        target_repo = _target_repository(target, repo, registry, region, now)
        for key, layer in list(store.layers.items()):
            if key.startswith(repo.name + "@") and layer.digest in image.manifest and key not in target.layers:
                target.layers[key] = layer
        copied = target.image(target_repo.name, image.digest)
        for tag in image.tags:
            holder = target.tagged(target_repo.name, tag)
            if holder is not None and holder.digest != image.digest:
                holder.tags.remove(tag)
                target.save_image(holder)
        tags = list(dict.fromkeys([*(copied.tags if copied else []), *image.tags]))
        target.save_image(replace(image, repository=target_repo.name, tags=tags, last_pull=None,
                                  pushed=copied.pushed if copied else now))


def statuses(stores: Any, store: EcrStore, repo: Repository, digest: str) -> list[dict[str, str]]:
    """DescribeImageReplicationStatus's answer for an image of ``repo``."""
    out = []
    for destination in destinations(store, repo.name):
        registry, region = destination["registryId"], destination["region"]
        copied = stores.get(registry, region).image(repo.name, digest)
        out.append({"region": region, "registryId": registry, "status": "COMPLETE" if copied else "FAILED",
                    **({} if copied else {"failureCode": "Image is not replicated"})})  # fmt: skip
    return out
