"""The server side of the SRP-6a protocol as Cognito speaks it (``USER_SRP_AUTH``).

The group is RFC 5054's 3072-bit one with g = 2; hashes are SHA-256 over hex strings
padded as AWS's client libraries pad them (a leading ``00`` when the high bit is set), and
the session key is HKDF(S, u) with the info "Caldera Derived Key". Pools keep a salt and
a verifier per user, never the password.

    client: USERNAME, SRP_A        -> server: SALT, SRP_B, SECRET_BLOCK, USER_ID_FOR_SRP
    client: PASSWORD_CLAIM_SIGNATURE = HMAC(K, pool name | user id | secret block | timestamp)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
G = 2
_INFO = b"Caldera Derived Key"


def pad_hex(value: int | str) -> str:
    text = value if isinstance(value, str) else f"{value:x}"
    if len(text) % 2 == 1:
        return "0" + text
    if text[0] in "89abcdefABCDEF":
        return "00" + text
    return text


def _hex_hash(hex_text: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_text)).hexdigest().rjust(64, "0")


K = int(_hex_hash("00" + f"{N:X}" + "0" + "2"), 16)


def _x(pool_name: str, user_id: str, password: str, salt_hex: str) -> int:
    inner = hashlib.sha256(f"{pool_name}{user_id}:{password}".encode()).hexdigest().rjust(64, "0")
    return int(_hex_hash(pad_hex(salt_hex) + inner), 16)


def verifier(pool_name: str, user_id: str, password: str) -> tuple[str, str]:
    """(salt hex, verifier hex) for a user's password."""
    salt = pad_hex(secrets.randbits(128) or 1)
    return salt, f"{pow(G, _x(pool_name, user_id, password, salt), N):x}"


def server_challenge(verifier_hex: str) -> tuple[str, str]:
    """(b hex, B hex): the server's secret and public values for one sign-in."""
    v = int(verifier_hex, 16)
    while True:
        b = secrets.randbits(1024) % N
        big_b = (K * v + pow(G, b, N)) % N
        if big_b:
            return f"{b:x}", f"{big_b:x}"


def session_key(a_hex: str, b_hex: str, big_b_hex: str, verifier_hex: str) -> bytes | None:
    """HKDF(S, u) for the client's A; None when A is not acceptable (A mod N == 0)."""
    big_a = int(a_hex, 16)
    if big_a % N == 0:
        return None
    u = int(_hex_hash(pad_hex(big_a) + pad_hex(int(big_b_hex, 16))), 16)
    if u == 0:
        return None
    s = pow(big_a * pow(int(verifier_hex, 16), u, N), int(b_hex, 16), N)
    prk = hmac.new(bytes.fromhex(pad_hex(f"{u:x}")), bytes.fromhex(pad_hex(s)), hashlib.sha256).digest()
    return hmac.new(prk, _INFO + b"\x01", hashlib.sha256).digest()[:16]


def claim_signature(key: bytes, pool_name: str, user_id: str, secret_block: str, timestamp: str) -> str:
    message = pool_name.encode() + user_id.encode() + base64.b64decode(secret_block) + timestamp.encode()
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def password_hash(password: str, salt: str | None = None) -> str:
    """``salt$hex`` (PBKDF2-SHA256) for checking a password sent in the clear."""
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 1000).hex()
    return f"{salt}${digest}"


def password_matches(password: str, stored: str) -> bool:
    salt = stored.split("$", 1)[0]
    return hmac.compare_digest(password_hash(password, salt), stored)
