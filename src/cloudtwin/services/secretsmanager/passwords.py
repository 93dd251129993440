"""GetRandomPassword: AWS's character classes and options, from the OS's CSPRNG."""

from __future__ import annotations

import secrets
import string
from typing import Any

from cloudtwin.protocol.errors import ServiceError

PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def random_password(params: dict[str, Any]) -> str:
    length = params.get("PasswordLength", 32)
    if not 1 <= length <= 4096:
        raise ServiceError(
            "InvalidParameterException", "Password length must be between 1 and 4096 characters."
        )
    excluded = set(params.get("ExcludeCharacters", ""))
    classes = []
    if not params.get("ExcludeLowercase"):
        classes.append(string.ascii_lowercase)
    if not params.get("ExcludeUppercase"):
        classes.append(string.ascii_uppercase)
    if not params.get("ExcludeNumbers"):
        classes.append(string.digits)
    if not params.get("ExcludePunctuation"):
        classes.append(PUNCTUATION)
    if params.get("IncludeSpace"):
        classes.append(" ")
    classes = ["".join(c for c in chars if c not in excluded) for chars in classes]
    classes = [c for c in classes if c]
    if not classes:
        raise ServiceError(
            "InvalidParameterException",
            "The password cannot be generated because all characters have been excluded.",
        )
    require_each = params.get("RequireEachIncludedType", True)
    if require_each and length < len(classes):
        raise ServiceError(
            "InvalidParameterException",
            "The password length is too short to include a character from each included type.",
        )
    alphabet = "".join(classes)
    chosen = [secrets.choice(chars) for chars in classes] if require_each else []
    chosen += [secrets.choice(alphabet) for _ in range(length - len(chosen))]
    secrets.SystemRandom().shuffle(chosen)
    return "".join(chosen)
