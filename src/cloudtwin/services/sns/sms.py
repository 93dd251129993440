"""SMS: account attributes, opt-outs, the sandbox's verified numbers, and direct publishes
to a phone number (recorded: ``GET /_cloudtwin/sns/messages?protocol=sms``).

Numbers are opted out through the control surface (``POST /_cloudtwin/sns/opt-outs``),
as a recipient replying STOP would; ``OptInPhoneNumber`` opts back in.
"""

from __future__ import annotations

import re
import secrets
import uuid
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.sns.attributes import invalid
from cloudtwin.services.sns.models import SnsStore
from cloudtwin.services.sns.notification import check_attributes, check_message

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

SMS_ATTRIBUTES = frozenset(
    {
        "MonthlySpendLimit",
        "DeliveryStatusIAMRole",
        "DeliveryStatusSuccessSamplingRate",
        "DefaultSenderID",
        "DefaultSMSType",
        "UsageReportS3Bucket",
    }
)
_PHONE = re.compile(r"^\+?[1-9]\d{4,14}$")
PAGE = 100


class SmsHandlers:
    """Operation handlers for SMS (a Provider mixin)."""

    def get_sms_attributes(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        stored = ctx.store.sms.get("attributes") or {}
        names = params.get("attributes")
        if names:
            return {"attributes": {k: v for k, v in stored.items() if k in names}}
        return {"attributes": dict(stored)}

    def set_sms_attributes(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        store: SnsStore = ctx.store
        values = dict(store.sms.get("attributes") or {})
        for key, value in params["attributes"].items():
            # SetSMSAttributes words its errors without the "Invalid parameter: " prefix.
            if key not in SMS_ATTRIBUTES:
                raise ServiceError("InvalidParameterException", f"{key} is not a valid attribute")
            if (
                (key == "DefaultSMSType" and value not in ("Promotional", "Transactional"))
                or (key == "MonthlySpendLimit" and not value.isdigit())
                or (key == "DeliveryStatusSuccessSamplingRate" and not (value.isdigit() and 0 <= int(value) <= 100))
            ):
                raise ServiceError("InvalidParameterException", f"{key} is invalid")
            values[key] = value
        store.sms["attributes"] = values
        return {}

    def check_if_phone_number_is_opted_out(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        phone = params["phoneNumber"]
        if not _PHONE.match(phone):
            raise invalid("PhoneNumber Reason: input incorrectly formatted")
        return {"isOptedOut": phone in ctx.store.opted_out}

    def list_phone_numbers_opted_out(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        numbers = sorted(ctx.store.opted_out.keys())
        start = int(params["nextToken"]) if (params.get("nextToken") or "").isdigit() else 0
        out: dict[str, Any] = {"phoneNumbers": numbers[start : start + PAGE]}
        if start + PAGE < len(numbers):
            out["nextToken"] = str(start + PAGE)
        return out

    def opt_in_phone_number(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        ctx.store.opted_out.pop(params["phoneNumber"], None)
        return {}

    # -- sandbox --------------------------------------------------------------------------------

    def get_sms_sandbox_account_status(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        return {"IsInSandbox": True}

    def create_sms_sandbox_phone_number(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        store: SnsStore = ctx.store
        phone = params["PhoneNumber"]
        if phone in store.opted_out:
            raise ServiceError("OptedOutException", "Phone number is opted out.")
        code = f"{secrets.randbelow(1_000_000):06d}"
        store.sandbox_numbers[phone] = f"Pending:{code}"
        self.dispatcher.record(  # type: ignore[attr-defined]
            store, "sms", phone, str(uuid.uuid4()), f"Your verification code is {code}",
            attributes={"OneTimePassword": code}, kind="SandboxVerification",
        )
        return {}

    def verify_sms_sandbox_phone_number(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        store: SnsStore = ctx.store
        state = store.sandbox_numbers.get(params["PhoneNumber"])
        if state is None:
            raise ServiceError("ResourceNotFoundException", "Phone number does not exist.")
        if state.startswith("Pending:") and state.split(":", 1)[1] != params["OneTimePassword"]:
            raise ServiceError("VerificationException", "Invalid one-time password.", 400, fields={"Status": "Failed"})
        store.sandbox_numbers[params["PhoneNumber"]] = "Verified"
        return {}

    def delete_sms_sandbox_phone_number(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        if ctx.store.sandbox_numbers.pop(params["PhoneNumber"], None) is None:
            raise ServiceError("ResourceNotFoundException", "Phone number does not exist.")
        return {}

    def list_sms_sandbox_phone_numbers(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        numbers = [
            {"PhoneNumber": phone, "Status": "Verified" if state == "Verified" else "Pending"}
            for phone, state in ctx.store.sandbox_numbers.items()
        ]
        return {"PhoneNumbers": numbers}

    def list_origination_numbers(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        return {"PhoneNumbers": []}

    # -- direct publish ---------------------------------------------------------------------------

    def publish_sms(self, ctx: "RequestContext", params: dict[str, Any], phone: str) -> dict[str, Any]:
        if not _PHONE.match(phone):
            raise invalid(f"PhoneNumber Reason: {phone} is not valid to publish to")
        per_protocol = check_message(params.get("Message"), params.get("MessageStructure"), params.get("Subject"))
        attributes = check_attributes(params.get("MessageAttributes"))
        message_id = str(uuid.uuid4())
        store: SnsStore = ctx.store
        if phone not in store.opted_out:
            message = per_protocol.get("sms") or per_protocol.get("default") or params["Message"]
            self.dispatcher.record(  # type: ignore[attr-defined]
                store, "sms", phone, message_id, message, attributes=attributes
            )
        return {"MessageId": message_id}
