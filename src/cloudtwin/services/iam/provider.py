"""AWS Identity and Access Management.

IAM is global: one store per account (``global_region``). The operation handlers live in
feature modules mixed in here (users and groups, roles and instance profiles, policies,
credentials, federation and certificates, account views, simulation); this class adds
what ties them to the rest of cloudtwin:

- access keys it issues are registered with the gateway's identity registry (again after
  a restart with persistence), so requests signed with them act as their user;
- :meth:`check_access` is the gateway's enforcement seam (``CLOUDTWIN_ENFORCE_IAM=1``).
"""

from __future__ import annotations

from typing import Any

from cloudtwin.events.bus import Event
from cloudtwin.gateway.context import RequestContext
from cloudtwin.gateway.identity import Identity
from cloudtwin.services.iam.access_advisor import AccessAdvisorHandlers
from cloudtwin.services.iam.account import AccountHandlers
from cloudtwin.services.iam.authorization import Authorizer, denial_message, request_context
from cloudtwin.services.iam.credentials import CredentialHandlers, key_identity
from cloudtwin.services.iam.enforcement import action_prefix, resource_arn
from cloudtwin.services.iam.federation import FederationHandlers
from cloudtwin.services.iam.models import IamStore, User
from cloudtwin.services.iam.policies import PolicyHandlers
from cloudtwin.services.iam.roles import RoleHandlers
from cloudtwin.services.iam.simulation import SimulationHandlers
from cloudtwin.services.iam.users import UserHandlers
from cloudtwin.services.provider import ServiceProvider

#: The event STS publishes when a role is assumed (detail: ``role`` name, ``time``).
ROLE_ASSUMED = "sts:RoleAssumed"

#: Calls AWS answers whatever the caller's policies say.
ALWAYS_ALLOWED = frozenset({"sts:GetCallerIdentity"})


class Provider(
    UserHandlers,
    RoleHandlers,
    PolicyHandlers,
    CredentialHandlers,
    FederationHandlers,
    AccountHandlers,
    SimulationHandlers,
    AccessAdvisorHandlers,
    ServiceProvider,
):
    service_name = "iam"
    store_class = IamStore
    global_region = True

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.authorizer = Authorizer()
        self._prefixes: dict[str, str] = {}
        # Keys issued before a restart sign requests again.
        for _, store in self.stores.items():  # type: ignore[union-attr]
            for key in store.access_keys.values():
                self.register_key(store, key)
        # STS tells when a role is assumed: that is the role's RoleLastUsed.
        env.events.subscribe(ROLE_ASSUMED, self._role_assumed)

    # -- hooks of the feature modules -------------------------------------------------------

    def _user_renamed(self, ctx: RequestContext, store: IamStore, old: str, user: User) -> None:
        """Move everything keyed by a user's name to its new name."""
        for key in store.access_keys.values():
            if key.user_name == old:
                key.user_name = user.name
                store.access_keys.save(key.key_id)
                self.register_key(store, key)
        profile = store.login_profiles.pop(old, None)
        if profile is not None:
            profile.user_name = user.name
            store.login_profiles[user.name] = profile
        for table in (store.mfa_devices, store.ssh_keys, store.signing_certificates,
                      store.service_credentials):  # fmt: skip
            for record_key, record in table.items():
                if record.user_name == old:
                    record.user_name = user.name
                    table.save(record_key)

    def _role_assumed(self, event: Event) -> None:
        store: IamStore = self.stores.get(event.account_id, event.region)  # type: ignore[union-attr]
        role = store.roles.get(str(event.detail.get("role", "")).lower())
        if role is not None:
            role.last_used = float(event.detail["time"])
            role.last_used_region = event.region
            store.roles.save(role.name.lower())

    # -- enforcement ------------------------------------------------------------------------

    def check_access(
        self,
        identity: Identity,
        service: str,
        signing_name: str,
        operation: str,
        params: dict[str, Any],
        region: str,
        partition: str,
    ) -> str | None:
        """None when ``identity`` may call ``operation``; else AWS's AccessDenied message."""
        action = f"{action_prefix(signing_name)}:{operation}"
        identities = self.env.identities
        if action in ALWAYS_ALLOWED or identities.is_administrator(identity.arn, identity.account_id):
            return None  # (a root's session token is as powerful as the root)
        resource = resource_arn(service, params, partition, region, identity.account_id)
        store: IamStore = self.stores.get(identity.account_id, region)  # type: ignore[union-attr]
        tags: list[dict[str, str]] = []
        found = self.authorizer.principal_of(store, identity.arn.replace("{partition}", partition))
        if found is not None:
            tags = found[1].tags
        context = request_context(
            identity, partition, region, self.env.clock.now(), tags, self.authorizer.iso
        )
        source_admin = bool(identity.source_arn) and identities.is_administrator(
            identity.source_arn or "", identity.account_id
        )
        decision, source = self.authorizer.decide(
            store, identity, action, resource, context, partition, source_admin
        )
        if decision.allowed:
            return None
        return denial_message(
            identity.arn.replace("{partition}", partition), action, resource, decision, source
        )

    def reset(self, account_id: str | None = None) -> None:
        for (account, _), store in self.stores.items():  # type: ignore[union-attr]
            if account_id is None or account == account_id:
                for key in store.access_keys:
                    self.env.identities.forget(key)
        super().reset(account_id)

    def introspection(self) -> dict[tuple[str, str], Any]:
        return {("GET", "access-keys"): self._introspect_keys}

    def _introspect_keys(self, params: dict[str, Any]) -> Any:
        """Every issued access key: account, user, status (secrets are not shown)."""
        out = []
        for (account, _), store in self.stores.items():  # type: ignore[union-attr]
            for key in store.access_keys.values():
                identity = key_identity(store, key)
                out.append({
                    "account": account,
                    "access_key_id": key.key_id,
                    "user_name": key.user_name,
                    "status": key.status,
                    "arn": identity.arn if identity else None,
                })  # fmt: skip
        return {"access_keys": out}
