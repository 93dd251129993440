"""The registry's own settings: DescribeRegistry, the registry policy, replication,
scanning and signing configurations, account settings, pull through cache rules, repository
creation templates, pull time update exclusions, replication backfills, and the
authorization token Docker logs in with (handlers mixed into the provider)."""

from __future__ import annotations

import base64
import copy
import secrets
import uuid
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ecr.errors import invalid_at, validation
from cloudtwin.services.ecr.lifecycle import parse as parse_lifecycle
from cloudtwin.services.ecr.models import EcrStore
from cloudtwin.services.ecr.paging import paged
from cloudtwin.services.ecr.repositories import base_url, check_mutability, dt, registry_host, valid_policy

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

Params = dict[str, Any]
TOKEN_LIFETIME = 12 * 3600
#: The upstream registry each kind of pull through cache rule reaches by default.
UPSTREAM_URLS = {
    "ecr-public": "public.ecr.aws", "quay": "quay.io", "k8s": "registry.k8s.io",
    "docker-hub": "registry-1.docker.io", "github-container-registry": "ghcr.io",
    "gitlab-container-registry": "registry.gitlab.com", "chainguard": "cgr.dev",
}  # fmt: skip
#: Upstreams that need a Secrets Manager secret with their credentials.
NEEDS_CREDENTIALS = ("docker-hub", "github-container-registry", "azure-container-registry", "gitlab-container-registry")
ACCOUNT_SETTINGS = {"BASIC_SCAN_TYPE_VERSION": "AWS_NATIVE", "REGISTRY_POLICY_SCOPE": "V2", "BLOB_MOUNTING": "DISABLED"}
ACCOUNT_SETTING_VALUES = {
    "BASIC_SCAN_TYPE_VERSION": ("AWS_NATIVE", "CLAIR"), "REGISTRY_POLICY_SCOPE": ("V1", "V2"),
    "BLOB_MOUNTING": ("ENABLED", "DISABLED"),
}  # fmt: skip


def _upstream_kind(url: str) -> str:
    for kind, host in UPSTREAM_URLS.items():
        if url == host:
            return kind
    if url.endswith(".azurecr.io"):
        return "azure-container-registry"
    if ".dkr.ecr." in url:
        return "ecr"
    raise ServiceError("UnsupportedUpstreamRegistryException", "The specified upstream registry isn't supported.")


class RegistryOperations:
    _store: Any

    def _registry(self, ctx: "RequestContext") -> tuple[EcrStore, str]:
        return self._store(ctx, {})

    # -- DescribeRegistry, replication -----------------------------------------------------------

    def describe_registry(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._registry(ctx)
        return {"registryId": registry, "replicationConfiguration": copy.deepcopy(store.registry.get("replication") or {"rules": []})}

    def put_replication_configuration(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._registry(ctx)
        config = params["replicationConfiguration"]
        for rule in config.get("rules") or []:
            for destination in rule.get("destinations") or []:
                if destination.get("region") == ctx.region and destination.get("registryId") == registry:
                    raise invalid_at("replicationConfiguration", "Replication destination cannot be the source registry")
        store.registry["replication"] = copy.deepcopy(config)
        return {"replicationConfiguration": copy.deepcopy(config)}

    def start_replication_backfill(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._store(ctx, params)
        backfills = list(store.registry.get("backfills") or [])
        if any(b["status"] in ("PREPARING", "IN_PROGRESS") for b in backfills):
            raise ServiceError("ReplicationBackfillInProgressException", "A replication backfill is already in progress")
        now = ctx.clock.now()
        backfill = {"replicationBackfillId": str(uuid.uuid4()), "destination": dict(params["destination"]),
                    "status": "COMPLETE", "startedAt": now, "endedAt": now}  # fmt: skip
        store.registry["backfills"] = [*backfills, backfill]
        return {"replicationBackfillId": backfill["replicationBackfillId"], "registryId": registry,
                "destination": backfill["destination"], "status": "PREPARING", "startedAt": dt(now)}  # fmt: skip

    def _backfill(self, store: EcrStore, backfill_id: str) -> Params:
        for backfill in store.registry.get("backfills") or []:
            if backfill["replicationBackfillId"] == backfill_id:
                return backfill
        raise ServiceError("ReplicationBackfillNotFoundException", f"The replication backfill with id '{backfill_id}' does not exist")

    def _backfill_summary(self, backfill: Params) -> Params:
        return {
            "replicationBackfillId": backfill["replicationBackfillId"], "destination": dict(backfill["destination"]),
            "status": backfill["status"], "progress": {"totalReplicationCount": 0, "completedReplicationCount": 0,
                                                       "failedReplicationCount": 0, "failureCodes": []},
            "startedAt": dt(backfill["startedAt"]), "endedAt": dt(backfill["endedAt"]),
        }  # fmt: skip

    def describe_replication_backfill_results(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._store(ctx, params)
        summary = self._backfill_summary(self._backfill(store, params["replicationBackfillId"]))
        summary.pop("destination")
        return {"registryId": registry, "destination": self._backfill(store, params["replicationBackfillId"])["destination"],
                **summary, "results": []}  # fmt: skip

    def list_replication_backfills(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._store(ctx, params)
        summaries = [self._backfill_summary(b) for b in store.registry.get("backfills") or []]
        return {"registryId": registry, **paged(summaries, params, "backfills", default=50)}

    def stop_replication_backfill(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._store(ctx, params)
        backfill = self._backfill(store, params["replicationBackfillId"])
        if backfill["status"] not in ("PREPARING", "IN_PROGRESS"):
            raise ServiceError("ReplicationBackfillInvalidStatusException",
                               f"The replication backfill is {backfill['status']} and cannot be stopped")  # fmt: skip
        return {"registryId": registry, "replicationBackfillId": backfill["replicationBackfillId"],
                "destination": dict(backfill["destination"]), "status": "STOPPING", "startedAt": dt(backfill["startedAt"])}  # fmt: skip

    # -- registry policy --------------------------------------------------------------------------

    def put_registry_policy(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._registry(ctx)
        text = params["policyText"]
        if not valid_policy(text):
            raise invalid_at("PolicyText", "Invalid registry policy provided")
        store.registry["policy"] = text
        return {"registryId": registry, "policyText": text}

    def _registry_policy(self, store: EcrStore, registry: str) -> str:
        text = store.registry.get("policy")
        if text is None:
            raise ServiceError("RegistryPolicyNotFoundException", f"Registry policy does not exist in the registry with id '{registry}'")
        return text

    def get_registry_policy(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._registry(ctx)
        return {"registryId": registry, "policyText": self._registry_policy(store, registry)}

    def delete_registry_policy(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._registry(ctx)
        text = self._registry_policy(store, registry)
        store.registry.pop("policy", None)
        return {"registryId": registry, "policyText": text}

    # -- scanning, signing, account settings --------------------------------------------------------

    def put_registry_scanning_configuration(self, ctx: "RequestContext", params: Params) -> Params:
        store, _ = self._registry(ctx)
        config = {"scanType": params.get("scanType") or "BASIC", "rules": copy.deepcopy(params.get("rules") or [])}
        store.registry["scanning"] = config
        return {"registryScanningConfiguration": copy.deepcopy(config)}

    def get_registry_scanning_configuration(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._registry(ctx)
        config = store.registry.get("scanning") or {"scanType": "BASIC", "rules": []}
        return {"registryId": registry, "scanningConfiguration": copy.deepcopy(config)}

    def put_signing_configuration(self, ctx: "RequestContext", params: Params) -> Params:
        store, _ = self._registry(ctx)
        store.registry["signing"] = copy.deepcopy(params["signingConfiguration"])
        return {"signingConfiguration": copy.deepcopy(params["signingConfiguration"])}

    def _signing(self, store: EcrStore, registry: str) -> Params:
        config = store.registry.get("signing")
        if config is None:
            raise ServiceError("SigningConfigurationNotFoundException",
                               f"Signing configuration does not exist in the registry with id '{registry}'")  # fmt: skip
        return copy.deepcopy(config)

    def get_signing_configuration(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._registry(ctx)
        return {"registryId": registry, "signingConfiguration": self._signing(store, registry)}

    def delete_signing_configuration(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._registry(ctx)
        config = self._signing(store, registry)
        store.registry.pop("signing", None)
        return {"registryId": registry, "signingConfiguration": config}

    def _setting_name(self, name: str) -> str:
        if name not in ACCOUNT_SETTINGS:
            raise validation(f"Invalid account setting name '{name}'. Valid names: {list(ACCOUNT_SETTINGS)}")
        return name

    def get_account_setting(self, ctx: "RequestContext", params: Params) -> Params:
        store, _ = self._registry(ctx)
        name = self._setting_name(params["name"])
        return {"name": name, "value": store.account_settings.get(name) or ACCOUNT_SETTINGS[name]}

    def put_account_setting(self, ctx: "RequestContext", params: Params) -> Params:
        store, _ = self._registry(ctx)
        name, value = self._setting_name(params["name"]), params["value"]
        if value not in ACCOUNT_SETTING_VALUES[name]:
            raise validation(f"Invalid value '{value}' for account setting '{name}'. Valid values: {list(ACCOUNT_SETTING_VALUES[name])}")
        store.account_settings[name] = value
        return {"name": name, "value": value}

    # -- pull time update exclusions -----------------------------------------------------------------

    def register_pull_time_update_exclusion(self, ctx: "RequestContext", params: Params) -> Params:
        store, _ = self._registry(ctx)
        arn = params["principalArn"]
        if arn in store.pull_exclusions:
            raise ServiceError("ExclusionAlreadyExistsException", f"The principal '{arn}' is already excluded from pull time updates")
        store.pull_exclusions[arn] = ctx.clock.now()
        return {"principalArn": arn, "createdAt": dt(store.pull_exclusions[arn])}

    def deregister_pull_time_update_exclusion(self, ctx: "RequestContext", params: Params) -> Params:
        store, _ = self._registry(ctx)
        arn = params["principalArn"]
        if store.pull_exclusions.pop(arn, None) is None:
            raise ServiceError("ExclusionNotFoundException", f"The principal '{arn}' is not excluded from pull time updates")
        return {"principalArn": arn}

    def list_pull_time_update_exclusions(self, ctx: "RequestContext", params: Params) -> Params:
        store, _ = self._registry(ctx)
        return paged(sorted(store.pull_exclusions), params, "pullTimeUpdateExclusions")

    # -- authorization ------------------------------------------------------------------------------

    def get_authorization_token(self, ctx: "RequestContext", params: Params) -> Params:
        expires = dt(ctx.clock.now() + TOKEN_LIFETIME)
        scheme = base_url(ctx).split("://")[0]
        data = []
        for registry in params.get("registryIds") or [ctx.account_id]:
            password = base64.b64encode(secrets.token_bytes(48)).decode()
            data.append({
                "authorizationToken": base64.b64encode(f"AWS:{password}".encode()).decode(),
                "expiresAt": expires,
                "proxyEndpoint": f"{scheme}://{registry_host(ctx, registry, ctx.region, self.env.config.url_domain())}",
            })  # fmt: skip
        return {"authorizationData": data}

    # -- pull through cache rules --------------------------------------------------------------------

    def _cache_rule(self, store: EcrStore, registry: str, prefix: str) -> Params:
        rule = store.cache_rules.get(prefix)
        if rule is None:
            raise ServiceError(
                "PullThroughCacheRuleNotFoundException",
                f"The pull through cache rule with prefix '{prefix}' does not exist in the registry with id '{registry}'",
            )
        return rule

    def _rule_answer(self, rule: Params, registry: str, *, created: bool = True, updated: bool = False) -> Params:
        out: Params = {"ecrRepositoryPrefix": rule["ecrRepositoryPrefix"], "upstreamRegistryUrl": rule["upstreamRegistryUrl"]}
        if created:
            out["createdAt"] = dt(rule["createdAt"])
        out["registryId"] = registry
        for key in ("upstreamRegistry", "credentialArn", "customRoleArn", "upstreamRepositoryPrefix"):
            if rule.get(key):
                out[key] = rule[key]
        if updated and rule.get("updatedAt"):
            out["updatedAt"] = dt(rule["updatedAt"])
        return out

    def create_pull_through_cache_rule(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._store(ctx, params)
        prefix = params["ecrRepositoryPrefix"]
        if prefix in store.cache_rules:
            raise ServiceError(
                "PullThroughCacheRuleAlreadyExistsException",
                f"A pull through cache rule with the prefix '{prefix}' already exists in the registry with id '{registry}'",
            )
        url = params["upstreamRegistryUrl"]
        kind = params.get("upstreamRegistry") or _upstream_kind(url)
        if kind in NEEDS_CREDENTIALS and not params.get("credentialArn"):
            raise invalid_at("credentialArn", f"A credential ARN is required for the upstream registry {kind}")
        now = ctx.clock.now()
        rule = {"ecrRepositoryPrefix": prefix, "upstreamRegistryUrl": url, "createdAt": now, "updatedAt": now,
                "upstreamRegistry": kind, "credentialArn": params.get("credentialArn"),
                "customRoleArn": params.get("customRoleArn"),
                "upstreamRepositoryPrefix": params.get("upstreamRepositoryPrefix") or ("ROOT" if kind == "ecr" else None)}  # fmt: skip
        store.cache_rules[prefix] = rule
        return self._rule_answer(rule, registry)

    def describe_pull_through_cache_rules(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._store(ctx, params)
        prefixes = params.get("ecrRepositoryPrefixes")
        rules = [self._cache_rule(store, registry, p) for p in prefixes] if prefixes else [
            store.cache_rules[p] for p in sorted(store.cache_rules)
        ]  # fmt: skip
        return paged([self._rule_answer(r, registry, updated=True) for r in rules], params, "pullThroughCacheRules")

    def update_pull_through_cache_rule(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._store(ctx, params)
        prefix = params["ecrRepositoryPrefix"]
        rule = self._cache_rule(store, registry, prefix)
        for key in ("credentialArn", "customRoleArn", "upstreamRepositoryPrefix"):
            if params.get(key) is not None:
                rule[key] = params[key]
        rule["updatedAt"] = ctx.clock.now()
        store.cache_rules[prefix] = rule
        out: Params = {"ecrRepositoryPrefix": prefix, "registryId": registry, "updatedAt": dt(rule["updatedAt"])}
        for key in ("credentialArn", "customRoleArn", "upstreamRepositoryPrefix"):
            if rule.get(key):
                out[key] = rule[key]
        return out

    def delete_pull_through_cache_rule(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._store(ctx, params)
        rule = self._cache_rule(store, registry, params["ecrRepositoryPrefix"])
        store.cache_rules.pop(rule["ecrRepositoryPrefix"], None)
        out = self._rule_answer(rule, registry)
        out.pop("upstreamRegistry", None)
        return out

    def validate_pull_through_cache_rule(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._store(ctx, params)
        rule = self._cache_rule(store, registry, params["ecrRepositoryPrefix"])
        out = self._rule_answer(rule, registry, created=False)
        out.pop("upstreamRegistry", None)
        out["isValid"] = True
        return out

    # -- repository creation templates ---------------------------------------------------------------

    def _template(self, store: EcrStore, prefix: str) -> Params:
        template = store.templates.get(prefix)
        if template is None:
            raise ServiceError("TemplateNotFoundException", f"The specified repository creation template with prefix '{prefix}' does not exist")
        return template

    def _template_answer(self, template: Params) -> Params:
        out = copy.deepcopy(template)
        out["createdAt"], out["updatedAt"] = dt(template["createdAt"]), dt(template["updatedAt"])
        return {key: value for key, value in out.items() if value is not None}

    def _check_template(self, params: Params) -> None:
        if params.get("imageTagMutability"):
            check_mutability(params["imageTagMutability"], params.get("imageTagMutabilityExclusionFilters"))
        if params.get("repositoryPolicy") and not valid_policy(params["repositoryPolicy"]):
            raise invalid_at("repositoryPolicy", "Invalid repository policy provided")
        if params.get("lifecyclePolicy"):
            parse_lifecycle(params["lifecyclePolicy"])

    def create_repository_creation_template(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._registry(ctx)
        prefix = params["prefix"]
        if prefix in store.templates:
            raise ServiceError("TemplateAlreadyExistsException", f"The repository creation template with prefix '{prefix}' already exists")
        self._check_template(params)
        now = ctx.clock.now()
        template = {
            "prefix": prefix, "description": params.get("description"),
            "encryptionConfiguration": copy.deepcopy(params.get("encryptionConfiguration") or {"encryptionType": "AES256"}),
            "resourceTags": copy.deepcopy(params.get("resourceTags") or []),
            "imageTagMutability": params.get("imageTagMutability") or "MUTABLE",
            "imageTagMutabilityExclusionFilters": copy.deepcopy(params.get("imageTagMutabilityExclusionFilters")),
            "repositoryPolicy": params.get("repositoryPolicy"), "lifecyclePolicy": params.get("lifecyclePolicy"),
            "appliedFor": list(params["appliedFor"]), "customRoleArn": params.get("customRoleArn"),
            "createdAt": now, "updatedAt": now,
        }  # fmt: skip
        store.templates[prefix] = template
        return {"registryId": registry, "repositoryCreationTemplate": self._template_answer(template)}

    def describe_repository_creation_templates(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._registry(ctx)
        prefixes = params.get("prefixes")
        found = [store.templates[p] for p in (prefixes or sorted(store.templates)) if p in store.templates]
        return {"registryId": registry, **paged([self._template_answer(t) for t in found], params, "repositoryCreationTemplates")}

    def update_repository_creation_template(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._registry(ctx)
        template = self._template(store, params["prefix"])
        self._check_template({**template, **{k: v for k, v in params.items() if v is not None}})
        for key in ("description", "encryptionConfiguration", "resourceTags", "imageTagMutability",
                    "imageTagMutabilityExclusionFilters", "repositoryPolicy", "lifecyclePolicy", "appliedFor",
                    "customRoleArn"):  # fmt: skip
            if key in params:
                template[key] = copy.deepcopy(params[key])
        template["updatedAt"] = ctx.clock.now()
        store.templates[template["prefix"]] = template
        return {"registryId": registry, "repositoryCreationTemplate": self._template_answer(template)}

    def delete_repository_creation_template(self, ctx: "RequestContext", params: Params) -> Params:
        store, registry = self._registry(ctx)
        template = self._template(store, params["prefix"])
        store.templates.pop(template["prefix"], None)
        return {"registryId": registry, "repositoryCreationTemplate": self._template_answer(template)}
