"""SES v2 contact lists (one per account, as AWS allows), their topics, and contacts with
their topic preferences (handlers mixed into the provider). Stored and answered; sending
with ``ListManagementOptions`` only checks that the list exists."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.sesv2.models import SesV2Store, resource_arn
from cloudtwin.services.sesv2.paging import page

Params = dict[str, Any]
MAX_CONTACT_LISTS = 1


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def contact_list(store: SesV2Store, name: str) -> Params:
    found = store.contact_lists.get(name)
    if found is None:
        raise ServiceError("NotFoundException", f"List with name {name} does not exist.")
    return found


def _contact(store: SesV2Store, list_name: str, address: str) -> Params:
    found = store.contacts.get(f"{list_name}/{address.lower()}")
    if found is None:
        raise ServiceError("NotFoundException", f"Contact {address} does not exist in list {list_name}.")
    return found


def _check_topics(listed: Params, preferences: list[Params]) -> None:
    names = {t["TopicName"] for t in listed.get("Topics", [])}
    for preference in preferences:
        if preference["TopicName"] not in names:
            raise ServiceError("BadRequestException", f"Topic {preference['TopicName']} does not exist in list {listed['ContactListName']}.")


def _defaults(listed: Params) -> list[Params]:
    return [{"TopicName": t["TopicName"], "SubscriptionStatus": t["DefaultSubscriptionStatus"]} for t in listed.get("Topics", [])]


def _status(contact: Params, listed: Params, topic: str, use_default: bool) -> str | None:
    """The contact's status for a topic (its own preference, else the topic's default when
    ``use_default``); OPT_OUT for every topic once unsubscribed from all."""
    if contact.get("UnsubscribeAll"):
        return "OPT_OUT"
    own = {p["TopicName"]: p["SubscriptionStatus"] for p in contact.get("TopicPreferences", [])}
    if topic in own:
        return own[topic]
    return {d["TopicName"]: d["SubscriptionStatus"] for d in _defaults(listed)}.get(topic) if use_default else None


class ContactOperations:
    def create_contact_list(self, ctx: RequestContext, params: Params) -> Params:
        store: SesV2Store = ctx.store
        name = params["ContactListName"]
        if name in store.contact_lists:
            raise ServiceError("AlreadyExistsException", f"List with name {name} already exists.")
        if len(store.contact_lists) >= MAX_CONTACT_LISTS:
            raise ServiceError("LimitExceededException", f"Cannot create more than {MAX_CONTACT_LISTS} contact list(s) per account.")
        now = ctx.clock.now()
        store.contact_lists[name] = {"ContactListName": name, "Topics": list(params.get("Topics") or []),
                                     "Description": params.get("Description"), "Created": now, "Updated": now}  # fmt: skip
        store.add_tags(resource_arn(ctx, "contact-list", name), params.get("Tags"))
        return {}

    def get_contact_list(self, ctx: RequestContext, params: Params) -> Params:
        found = contact_list(ctx.store, params["ContactListName"])
        out: Params = {"ContactListName": found["ContactListName"], "Topics": found["Topics"],
                       "CreatedTimestamp": _dt(found["Created"]), "LastUpdatedTimestamp": _dt(found["Updated"]),
                       "Tags": ctx.store.tags_of(resource_arn(ctx, "contact-list", found["ContactListName"]))}  # fmt: skip
        if found.get("Description") is not None:
            out["Description"] = found["Description"]
        return out

    def list_contact_lists(self, ctx: RequestContext, params: Params) -> Params:
        listed = [{"ContactListName": c["ContactListName"], "LastUpdatedTimestamp": _dt(c["Updated"])} for c in ctx.store.contact_lists.values()]
        chunk, token = page(listed, params)
        return {"ContactLists": chunk, **({"NextToken": token} if token else {})}

    def update_contact_list(self, ctx: RequestContext, params: Params) -> Params:
        store: SesV2Store = ctx.store
        found = dict(contact_list(store, params["ContactListName"]))
        found |= {"Topics": list(params.get("Topics") or []), "Description": params.get("Description"), "Updated": ctx.clock.now()}
        store.contact_lists[found["ContactListName"]] = found
        return {}

    def delete_contact_list(self, ctx: RequestContext, params: Params) -> Params:
        store: SesV2Store = ctx.store
        name = contact_list(store, params["ContactListName"])["ContactListName"]
        for key in [k for k in store.contacts if k.startswith(name + "/")]:
            store.contacts.pop(key, None)
        store.contact_lists.pop(name, None)
        store.tags.pop(resource_arn(ctx, "contact-list", name), None)
        return {}

    # -- contacts -----------------------------------------------------------------------------

    def create_contact(self, ctx: RequestContext, params: Params) -> Params:
        store: SesV2Store = ctx.store
        listed = contact_list(store, params["ContactListName"])
        key = f"{listed['ContactListName']}/{params['EmailAddress'].lower()}"
        if key in store.contacts:
            raise ServiceError("AlreadyExistsException", f"Contact already exists in list {listed['ContactListName']}.")
        preferences = list(params.get("TopicPreferences") or [])
        _check_topics(listed, preferences)
        now = ctx.clock.now()
        store.contacts[key] = {"EmailAddress": params["EmailAddress"], "TopicPreferences": preferences,
                               "UnsubscribeAll": bool(params.get("UnsubscribeAll", False)),
                               "AttributesData": params.get("AttributesData"), "Created": now, "Updated": now}  # fmt: skip
        return {}

    def get_contact(self, ctx: RequestContext, params: Params) -> Params:
        listed = contact_list(ctx.store, params["ContactListName"])
        found = _contact(ctx.store, listed["ContactListName"], params["EmailAddress"])
        out: Params = {
            "ContactListName": listed["ContactListName"], "EmailAddress": found["EmailAddress"],
            "TopicPreferences": found["TopicPreferences"], "TopicDefaultPreferences": _defaults(listed),
            "UnsubscribeAll": found["UnsubscribeAll"], "CreatedTimestamp": _dt(found["Created"]),
            "LastUpdatedTimestamp": _dt(found["Updated"]),
        }  # fmt: skip
        if found.get("AttributesData") is not None:
            out["AttributesData"] = found["AttributesData"]
        return out

    def update_contact(self, ctx: RequestContext, params: Params) -> Params:
        store: SesV2Store = ctx.store
        listed = contact_list(store, params["ContactListName"])
        found = dict(_contact(store, listed["ContactListName"], params["EmailAddress"]))
        preferences = list(params.get("TopicPreferences") or [])
        _check_topics(listed, preferences)
        found |= {"TopicPreferences": preferences, "UnsubscribeAll": bool(params.get("UnsubscribeAll", False)), "Updated": ctx.clock.now()}
        if params.get("AttributesData") is not None:
            found["AttributesData"] = params["AttributesData"]
        store.contacts[f"{listed['ContactListName']}/{params['EmailAddress'].lower()}"] = found
        return {}

    def delete_contact(self, ctx: RequestContext, params: Params) -> Params:
        store: SesV2Store = ctx.store
        listed = contact_list(store, params["ContactListName"])
        _contact(store, listed["ContactListName"], params["EmailAddress"])
        store.contacts.pop(f"{listed['ContactListName']}/{params['EmailAddress'].lower()}", None)
        return {}

    def list_contacts(self, ctx: RequestContext, params: Params) -> Params:
        store: SesV2Store = ctx.store
        listed = contact_list(store, params["ContactListName"])
        wanted = params.get("Filter") or {}
        topic_filter = wanted.get("TopicFilter") or {}
        contacts = []
        for key, contact in store.contacts.items():
            if not key.startswith(listed["ContactListName"] + "/"):
                continue
            if wanted.get("FilteredStatus"):
                topics = [topic_filter["TopicName"]] if topic_filter.get("TopicName") else [t["TopicName"] for t in listed["Topics"]]
                use_default = bool(topic_filter.get("UseDefaultIfPreferenceUnavailable", False))
                if not any(_status(contact, listed, t, use_default) == wanted["FilteredStatus"] for t in topics):
                    continue
            contacts.append({"EmailAddress": contact["EmailAddress"], "TopicPreferences": contact["TopicPreferences"],
                             "TopicDefaultPreferences": _defaults(listed), "UnsubscribeAll": contact["UnsubscribeAll"],
                             "LastUpdatedTimestamp": _dt(contact["Updated"])})  # fmt: skip
        chunk, token = page(contacts, params)
        return {"Contacts": chunk, **({"NextToken": token} if token else {})}
