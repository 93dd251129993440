"""Repositories: creation (names, tag mutability, scanning, encryption, tags), description,
deletion, repository policies, tags and the per-repository settings (handlers mixed into the
provider)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ecr.errors import invalid_at, invalid_parameter, repository_not_found
from cloudtwin.services.ecr.models import EcrStore, Repository
from cloudtwin.services.ecr.paging import paged

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

Params = dict[str, Any]
MAX_TAGS = 50
EXCLUSION_MODES = ("IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION")
AWS_MANAGED_KEY = "alias/aws/ecr"
_ARN = re.compile(r"^arn:aws[a-z-]*:ecr:([a-z0-9-]+):(\d{12}):repository/(.+)$")


def dt(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, timezone.utc)


def _headers(ctx: "RequestContext") -> Any:
    return ctx.request.headers if ctx.request is not None else {}


def base_url(ctx: "RequestContext") -> str:
    """The URL the client reached cloudtwin at (for URLs cloudtwin hands out and serves)."""
    headers = _headers(ctx)
    scheme = "https" if headers.get("x-forwarded-proto", "").lower() == "https" else "http"
    return f"{scheme}://{headers.get('host') or 'localhost:4566'}"


def registry_host(ctx: "RequestContext", registry_id: str, region: str, domain: str) -> str:
    """The registry's host name: AWS's ``<account>.dkr.ecr.<region>.amazonaws.com`` under
    cloudtwin's URL domain (``Config.url_domain()``: names that resolve to 127.0.0.1, so
    ``docker`` finds the registry), with the port the client reached."""
    host = _headers(ctx).get("host") or "localhost:4566"
    name, _, port = host.rpartition(":") if not host.endswith("]") else (host, "", "")
    if not name or not port.isdigit():
        port = ""
    return f"{registry_id}.dkr.ecr.{region}.{domain}" + (f":{port}" if port else "")


def describe(repo: Repository, uri_host: str) -> Params:
    out: Params = {
        "repositoryArn": repo.arn,
        "registryId": repo.registry_id,
        "repositoryName": repo.name,
        "repositoryUri": f"{uri_host}/{repo.name}",
        "createdAt": dt(repo.created),
        "imageTagMutability": repo.tag_mutability,
    }
    if repo.mutability_filters:
        out["imageTagMutabilityExclusionFilters"] = [dict(f) for f in repo.mutability_filters]
    out["imageScanningConfiguration"] = {"scanOnPush": repo.scan_on_push}
    out["encryptionConfiguration"] = dict(repo.encryption)
    return out


def check_mutability(mode: str, filters: list[dict[str, str]] | None) -> None:
    if mode in EXCLUSION_MODES and not filters:
        raise invalid_at(
            "imageTagMutabilityExclusionFilters", f"Image tag mutability exclusion filters are required when imageTagMutability is {mode}"
        )
    if mode not in EXCLUSION_MODES and filters:
        raise invalid_at(
            "imageTagMutabilityExclusionFilters",
            f"Image tag mutability exclusion filters can only be specified when imageTagMutability is one of {list(EXCLUSION_MODES)}",
        )


def valid_policy(text: str) -> bool:
    """A policy document ECR takes: a JSON object with a ``Statement``."""
    try:
        doc = json.loads(text)
    except ValueError:
        return False
    return isinstance(doc, dict) and isinstance(doc.get("Statement"), (list, dict))


class RepositoryOperations:
    env: Any
    stores: Any

    # -- lookups --------------------------------------------------------------------------

    def _store(self, ctx: "RequestContext", params: Params) -> tuple[EcrStore, str]:
        """The store of the registry a request names (``registryId``, else the caller's)."""
        registry = params.get("registryId") or ctx.account_id
        return self.stores.get(registry, ctx.region), registry

    def _repository(self, ctx: "RequestContext", params: Params) -> tuple[EcrStore, Repository]:
        store, registry = self._store(ctx, params)
        name = params["repositoryName"]
        repo = store.repositories.get(name)
        if repo is None:
            raise repository_not_found(name, registry)
        return store, repo

    def _by_arn(self, ctx: "RequestContext", arn: str) -> tuple[EcrStore, Repository]:
        match = _ARN.match(arn or "")
        if match is None:
            raise invalid_at("resourceArn", "Invalid ARN")
        region, account, name = match.groups()
        repo = self.stores.get(account, region).repositories.get(name)
        if repo is None:
            raise repository_not_found(name, account)
        return self.stores.get(account, region), repo

    def _describe(self, ctx: "RequestContext", repo: Repository) -> Params:
        return describe(repo, registry_host(ctx, repo.registry_id, repo.region, self.env.config.url_domain()))

    # -- create / describe / delete -----------------------------------------------------------

    def _encryption(self, ctx: "RequestContext", config: Params | None) -> dict[str, str]:
        if not config:
            return {"encryptionType": "AES256"}
        kind = config.get("encryptionType")
        key = config.get("kmsKey")
        if kind == "AES256":
            if key:
                raise invalid_at("encryptionConfiguration", "KMS key cannot be specified when encryption type is AES256")
            return {"encryptionType": "AES256"}
        try:
            found = self.env.internal.call(
                "kms", "DescribeKey", {"KeyId": key or AWS_MANAGED_KEY}, account_id=ctx.account_id, region=ctx.region
            )
        except ServiceError as error:
            raise ServiceError("KmsException", error.message, fields={"kmsError": error.code}) from None
        return {"encryptionType": kind, "kmsKey": found["KeyMetadata"]["Arn"]}

    def _check_tags(self, ctx: "RequestContext", tags: list[dict[str, str]]) -> None:
        if not ctx.from_aws:
            for tag in tags:
                if tag.get("Key", "").lower().startswith("aws:"):
                    raise ServiceError("InvalidTagParameterException", "Tag keys cannot start with the reserved prefix 'aws:'")
        if len({t["Key"] for t in tags}) > MAX_TAGS:
            raise ServiceError("TooManyTagsException", f"Tag limit exceeded: a resource can have at most {MAX_TAGS} tags")

    def create_repository(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._store(ctx, params)
        name = params["repositoryName"]
        if name in store.repositories:
            raise ServiceError(
                "RepositoryAlreadyExistsException",
                f"The repository with name '{name}' already exists in the registry with id '{registry}'",
            )
        mode = params.get("imageTagMutability") or "MUTABLE"
        filters = params.get("imageTagMutabilityExclusionFilters") or []
        check_mutability(mode, filters)
        tags = list(params.get("tags") or [])
        self._check_tags(ctx, tags)
        repo = Repository(
            name=name,
            arn=f"arn:{ctx.partition}:ecr:{ctx.region}:{registry}:repository/{name}",
            registry_id=registry, region=ctx.region, created=ctx.clock.now(), tag_mutability=mode,
            mutability_filters=[dict(f) for f in filters],
            scan_on_push=bool((params.get("imageScanningConfiguration") or {}).get("scanOnPush")),
            encryption=self._encryption(ctx, params.get("encryptionConfiguration")),
            tags=_merged_tags([], tags),
        )  # fmt: skip
        store.repositories[name] = repo
        return {"repository": self._describe(ctx, repo)}

    def describe_repositories(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._store(ctx, params)
        names = params.get("repositoryNames")
        if names:
            if params.get("maxResults") or params.get("nextToken"):
                raise invalid_parameter("maxResults and nextToken cannot be specified together with repositoryNames")
            found = []
            for name in names:
                repo = store.repositories.get(name)
                if repo is None:
                    raise repository_not_found(name, registry)
                found.append(repo)
            return {"repositories": [self._describe(ctx, r) for r in found]}
        repos = sorted(store.repositories.values(), key=lambda r: (r.created, r.name))
        out = paged(repos, params, "repositories")
        out["repositories"] = [self._describe(ctx, r) for r in out["repositories"]]
        return out

    def delete_repository(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        if store.images_of(repo.name) and not params.get("force"):
            raise ServiceError(
                "RepositoryNotEmptyException",
                f"The repository with name '{repo.name}' in registry with id '{repo.registry_id}' cannot be deleted "
                "because it still contains images",
            )
        described = self._describe(ctx, repo)
        store.drop_repository(repo.name)
        return {"repository": described}

    # -- settings ---------------------------------------------------------------------------------

    def put_image_tag_mutability(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        mode = params["imageTagMutability"]
        filters = params.get("imageTagMutabilityExclusionFilters") or []
        check_mutability(mode, filters)
        repo.tag_mutability, repo.mutability_filters = mode, [dict(f) for f in filters]
        store.repositories.save(repo.name)
        out = {"registryId": repo.registry_id, "repositoryName": repo.name, "imageTagMutability": mode}
        if filters:
            out["imageTagMutabilityExclusionFilters"] = [dict(f) for f in filters]
        return out

    def put_image_scanning_configuration(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        repo.scan_on_push = bool(params["imageScanningConfiguration"].get("scanOnPush"))
        store.repositories.save(repo.name)
        return {
            "registryId": repo.registry_id, "repositoryName": repo.name,
            "imageScanningConfiguration": {"scanOnPush": repo.scan_on_push},
        }  # fmt: skip

    def batch_get_repository_scanning_configuration(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._store(ctx, params)
        found, failures = [], []
        for name in params["repositoryNames"]:
            repo = store.repositories.get(name)
            if repo is None:
                failures.append({"repositoryName": name, "failureCode": "REPOSITORY_NOT_FOUND",
                                 "failureReason": "REPOSITORY_NOT_FOUND"})  # fmt: skip
                continue
            found.append({
                "repositoryArn": repo.arn, "repositoryName": repo.name, "scanOnPush": repo.scan_on_push,
                "scanFrequency": "SCAN_ON_PUSH" if repo.scan_on_push else "MANUAL", "appliedScanFilters": [],
            })  # fmt: skip
        return {"scanningConfigurations": found, "failures": failures}

    # -- repository policies ------------------------------------------------------------------------

    def set_repository_policy(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        text = params["policyText"]
        if not valid_policy(text):
            raise invalid_at("PolicyText", "Invalid repository policy provided")
        repo.policy = text
        store.repositories.save(repo.name)
        return {"registryId": repo.registry_id, "repositoryName": repo.name, "policyText": text}

    def get_repository_policy(self, ctx: "RequestContext", params: Params) -> Params:
        _, repo = self._repository(ctx, params)
        if repo.policy is None:
            raise _policy_not_found(repo)
        return {"registryId": repo.registry_id, "repositoryName": repo.name, "policyText": repo.policy}

    def delete_repository_policy(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        if repo.policy is None:
            raise _policy_not_found(repo)
        text, repo.policy = repo.policy, None
        store.repositories.save(repo.name)
        return {"registryId": repo.registry_id, "repositoryName": repo.name, "policyText": text}

    # -- tags -----------------------------------------------------------------------------------------

    def tag_resource(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._by_arn(ctx, params["resourceArn"])
        tags = list(params["tags"])
        self._check_tags(ctx, tags)
        merged = _merged_tags(repo.tags, tags)
        if len(merged) > MAX_TAGS:
            raise ServiceError("TooManyTagsException", f"Tag limit exceeded: a resource can have at most {MAX_TAGS} tags")
        repo.tags = merged
        store.repositories.save(repo.name)
        return {}

    def untag_resource(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._by_arn(ctx, params["resourceArn"])
        gone = set(params["tagKeys"])
        repo.tags = [t for t in repo.tags if t["Key"] not in gone]
        store.repositories.save(repo.name)
        return {}

    def list_tags_for_resource(self, ctx: "RequestContext", params: Params) -> Params:
        _, repo = self._by_arn(ctx, params["resourceArn"])
        return {"tags": [dict(t) for t in repo.tags]}


def _merged_tags(current: list[dict[str, str]], new: list[dict[str, str]]) -> list[dict[str, str]]:
    merged = {t["Key"]: t.get("Value", "") for t in current}
    for tag in new:
        merged[tag["Key"]] = tag.get("Value", "")
    return [{"Key": k, "Value": v} for k, v in merged.items()]


def _policy_not_found(repo: Repository) -> ServiceError:
    return ServiceError(
        "RepositoryPolicyNotFoundException",
        f"Repository policy does not exist for the repository with name '{repo.name}' in the registry with id "
        f"'{repo.registry_id}'",
    )
