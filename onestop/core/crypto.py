"""Field encryption with a key ring, and blind indexes.

Values are sealed with AES-256-GCM. Each stored value names the key that sealed it
(``v1:<key id>:<base64url(nonce || ciphertext)>``), so keys can rotate: new values use the active
key, old values stay readable while their key is in the ring. Blind indexes are HMAC-SHA256 under
a separate key: equal inputs give equal digests, so duplicates can be found without decrypting.

Keys come from the environment (``ONESTOP_ENCRYPTION_KEYS``: ``id=base64key,...``, the first one
active; ``ONESTOP_BLIND_INDEX_KEY``: base64), or, on the embedded default, from a key file that is
generated once and ignored by git.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "v1"
FILE_MAGIC = b"OSF1"  # the first bytes of an encrypted file


class DecryptionError(Exception):
    """A stored value could not be opened: unknown key id or tampered ciphertext."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class KeyRing:
    keys: dict[str, bytes]
    active_id: str
    blind_index_key: bytes

    def __post_init__(self) -> None:
        if self.active_id not in self.keys:
            raise ImproperlyConfigured("the active encryption key is not in the key ring")
        for key_id, key in self.keys.items():
            if len(key) != 32:
                raise ImproperlyConfigured(f"encryption key {key_id!r} must be 32 bytes")
            if not key_id.isalnum():
                raise ImproperlyConfigured(f"encryption key id {key_id!r} must be alphanumeric")
        if len(self.blind_index_key) < 32:
            raise ImproperlyConfigured("the blind index key must be at least 32 bytes")

    def encrypt(self, plaintext: str, *, context: str = "") -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(self.keys[self.active_id]).encrypt(
            nonce, plaintext.encode("utf-8"), context.encode("utf-8")
        )
        return f"{PREFIX}:{self.active_id}:{_b64(nonce + sealed)}"

    def decrypt(self, token: str, *, context: str = "") -> str:
        try:
            prefix, key_id, body = token.split(":", 2)
        except ValueError as exc:
            raise DecryptionError("not an encrypted value") from exc
        if prefix != PREFIX or key_id not in self.keys:
            raise DecryptionError(f"unknown key id {key_id!r}")
        raw = _unb64(body)
        try:
            opened = AESGCM(self.keys[key_id]).decrypt(raw[:12], raw[12:], context.encode("utf-8"))
        except Exception as exc:  # cryptography raises InvalidTag without detail
            raise DecryptionError("ciphertext failed authentication") from exc
        return opened.decode("utf-8")

    def encrypt_bytes(self, data: bytes, *, context: str) -> bytes:
        """A file's bytes sealed with the active key: a header naming the key, the nonce, the
        ciphertext. ``context`` (the file's id) binds the ciphertext to its row."""
        key_id = self.active_id.encode("ascii")
        nonce = os.urandom(12)
        sealed = AESGCM(self.keys[self.active_id]).encrypt(nonce, data, context.encode("utf-8"))
        return FILE_MAGIC + bytes([len(key_id)]) + key_id + nonce + sealed

    def decrypt_bytes(self, blob: bytes, *, context: str) -> bytes:
        if not blob.startswith(FILE_MAGIC) or len(blob) < len(FILE_MAGIC) + 1:
            raise DecryptionError("not an encrypted file")
        at = len(FILE_MAGIC)
        size = blob[at]
        key_id = blob[at + 1 : at + 1 + size].decode("ascii", "replace")
        if key_id not in self.keys:
            raise DecryptionError(f"unknown key id {key_id!r}")
        body = blob[at + 1 + size :]
        try:
            return AESGCM(self.keys[key_id]).decrypt(body[:12], body[12:], context.encode("utf-8"))
        except Exception as exc:  # cryptography raises InvalidTag without detail
            raise DecryptionError("encrypted file failed authentication") from exc

    def key_id_of(self, token: str) -> str:
        return token.split(":", 2)[1]

    def blind_index(self, value: str, *, purpose: str) -> str:
        message = f"{purpose}\x00{value}".encode()
        return hmac.new(self.blind_index_key, message, hashlib.sha256).hexdigest()


def generate_key_file(path: Path) -> None:
    """Write a new key file (one encryption key, one blind index key), readable by owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key_id = "k" + secrets.token_hex(4)
    content = {
        "active": key_id,
        "keys": {key_id: _b64(AESGCM.generate_key(bit_length=256))},
        "blind_index_key": _b64(secrets.token_bytes(32)),
    }
    # Write aside, then link into place: a reader never sees a half-written file, and of two
    # processes racing to create it, the second gets FileExistsError and reads the first's.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(content, handle, indent=2)
        os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def key_ring_from_config(*, env: dict[str, str], key_file: Path, allow_generate: bool) -> KeyRing:
    spec = env.get("ONESTOP_ENCRYPTION_KEYS", "").strip()
    if spec:
        keys: dict[str, bytes] = {}
        for part in spec.split(","):
            key_id, _, encoded = part.strip().partition("=")
            keys[key_id] = _unb64(encoded)
        blind = env.get("ONESTOP_BLIND_INDEX_KEY", "")
        if not blind:
            raise ImproperlyConfigured("ONESTOP_BLIND_INDEX_KEY must be set with the keys")
        return KeyRing(keys=keys, active_id=next(iter(keys)), blind_index_key=_unb64(blind))
    if not key_file.exists():
        if not allow_generate:
            raise ImproperlyConfigured(
                "no encryption keys: set ONESTOP_ENCRYPTION_KEYS and ONESTOP_BLIND_INDEX_KEY"
            )
        with contextlib.suppress(FileExistsError):  # another process made it first
            generate_key_file(key_file)
    data = json.loads(key_file.read_text())
    return KeyRing(
        keys={k: _unb64(v) for k, v in data["keys"].items()},
        active_id=data["active"],
        blind_index_key=_unb64(data["blind_index_key"]),
    )


@lru_cache(maxsize=1)
def key_ring() -> KeyRing:
    return key_ring_from_config(
        env=dict(os.environ),
        key_file=Path(settings.ONESTOP_KEY_FILE),
        allow_generate=settings.ONESTOP_GENERATE_KEYS,
    )
