"""Request ids in AWS's UUID form, made cheaply.

AWS request ids look like random UUIDs. A fresh ``uuid4`` per request costs a system call;
here each server draws one random version-4 UUID at start and counts up in its last 48
bits, so every id is unique within the server, unpredictable across servers, and formatted
exactly like AWS's.
"""

from __future__ import annotations

import itertools
import random
import uuid


class RequestIds:
    def __init__(self) -> None:
        base = uuid.uuid4().hex
        self._prefix = f"{base[:8]}-{base[8:12]}-{base[12:16]}-{base[16:20]}-"
        self._counter = itertools.count(int(base[20:], 16))

    def next(self) -> str:
        return f"{self._prefix}{next(self._counter) & 0xFFFFFFFFFFFF:012x}"


#: A version-4 UUID's fixed bits: clear the version and variant fields, then set them.
_KEEP = ~(0xF000 << 64) & ~(0xC000 << 48)
_VERSION_4 = (0x4000 << 64) | (0x8000 << 48)


def random_uuid() -> str:
    """A random (version 4) UUID as text, like ``str(uuid.uuid4())`` for ids made on hot
    paths (message ids). Its 122 random bits come from ``random`` (seeded from the
    system's randomness when the process starts), not a system call per id as
    ``uuid4`` makes: ids only need to be unique, and a system call per request costs
    more than the rest of a send."""
    h = "%032x" % (random.getrandbits(128) & _KEEP | _VERSION_4)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
