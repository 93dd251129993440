"""Ed25519ph (RFC 8032, section 5.1): the pre-hashed Ed25519 variant behind KMS's
``ED25519_PH_SHA_512`` signing algorithm.

The ``cryptography`` library signs pure Ed25519 only, so the curve arithmetic is done here,
in extended twisted-Edwards coordinates with Python integers. It is slow next to OpenSSL
(milliseconds per signature), which is fine for a test double; correctness is pinned by
checking that the same code without the pre-hash reproduces ``cryptography``'s pure Ed25519
signatures byte for byte.
"""

from __future__ import annotations

import hashlib

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = (-121665 * pow(121666, _P - 2, _P)) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)

# The base point: y = 4/5, x positive (even).
_BY = (4 * pow(5, _P - 2, _P)) % _P


def _recover_x(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    if x & 1 != sign:
        x = _P - x
    return x


_BX = _recover_x(_BY, 0)
_B = (_BX, _BY, 1, _BX * _BY % _P)

Point = tuple[int, int, int, int]  # (X, Y, Z, T) with x = X/Z, y = Y/Z, x*y = T/Z


def _add(p: Point, q: Point) -> Point:
    a = (p[1] - p[0]) * (q[1] - q[0]) % _P
    b = (p[1] + p[0]) * (q[1] + q[0]) % _P
    c = 2 * p[3] * q[3] * _D % _P
    d = 2 * p[2] * q[2] % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _multiply(scalar: int, point: Point) -> Point:
    result: Point = (0, 1, 1, 0)
    while scalar:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _encode(point: Point) -> bytes:
    z_inv = pow(point[2], _P - 2, _P)
    x, y = point[0] * z_inv % _P, point[1] * z_inv % _P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def _decode(data: bytes) -> Point | None:
    if len(data) != 32:
        return None
    value = int.from_bytes(data, "little")
    sign, y = value >> 255, value & ((1 << 255) - 1)
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % _P)


def _equal(p: Point, q: Point) -> bool:
    return (p[0] * q[2] - q[0] * p[2]) % _P == 0 and (p[1] * q[2] - q[1] * p[2]) % _P == 0


def _h(*parts: bytes) -> int:
    return int.from_bytes(hashlib.sha512(b"".join(parts)).digest(), "little")


def _expand(seed: bytes) -> tuple[int, bytes, bytes]:
    digest = hashlib.sha512(seed).digest()
    scalar = int.from_bytes(digest[:32], "little")
    scalar &= (1 << 254) - 8
    scalar |= 1 << 254
    return scalar, digest[32:], _encode(_multiply(scalar, _B))


def _dom(prehashed: bool) -> bytes:
    # dom2(phflag, context) with an empty context; pure Ed25519 has no prefix at all.
    return b"SigEd25519 no Ed25519 collisions\x01\x00" if prehashed else b""


def sign(seed: bytes, message: bytes, *, prehashed: bool = True) -> bytes:
    """Sign; with ``prehashed`` (Ed25519ph) ``message`` is the SHA-512 digest to sign."""
    scalar, prefix, public = _expand(seed)
    dom = _dom(prehashed)
    r = _h(dom, prefix, message) % _L
    encoded_r = _encode(_multiply(r, _B))
    k = _h(dom, encoded_r, public, message) % _L
    s = (r + k * scalar) % _L
    return encoded_r + s.to_bytes(32, "little")


def verify(public: bytes, message: bytes, signature: bytes, *, prehashed: bool = True) -> bool:
    if len(signature) != 64:
        return False
    a, r = _decode(public), _decode(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= _L:
        return False
    k = _h(_dom(prehashed), signature[:32], public, message) % _L
    return _equal(_multiply(s, _B), _add(r, _multiply(k, a)))


def public_key(seed: bytes) -> bytes:
    return _expand(seed)[2]
