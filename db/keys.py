"""Encryption of stored API keys, with a key derived from SECRET_KEY."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

HKDF_INFO = b"promptdesk api-key encryption v1"


class KeyUnreadable(Exception):
    """A stored API key cannot be decrypted with the current or fallback secret keys."""


def derive_fernet_key(secret_key: str) -> bytes:
    """Derive a Fernet key from SECRET_KEY, so the secret itself is never the cipher key."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


class KeyBox:
    """Encrypts API keys with SECRET_KEY and decrypts with it or any fallback."""

    def __init__(self, secret_key: str, fallbacks: tuple[str, ...] = ()) -> None:
        keys = [Fernet(derive_fernet_key(k)) for k in (secret_key, *fallbacks)]
        self._fernet = MultiFernet(keys)

    def encrypt(self, api_key: str) -> str:
        """Return the ciphertext of an API key, as text."""
        return self._fernet.encrypt(api_key.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """Return the API key behind a ciphertext."""
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise KeyUnreadable(
                "a stored API key cannot be decrypted: SECRET_KEY changed without "
                "the old value in SECRET_KEY_FALLBACKS"
            ) from None

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt a ciphertext with the current SECRET_KEY."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken:
            raise KeyUnreadable("a stored API key cannot be decrypted for rotation") from None


def mask_key(api_key: str) -> str:
    """Return the most of an API key that may ever be shown: `sk-…abcd`."""
    prefix = "sk-" if api_key.startswith("sk-") else ""
    tail = api_key[-4:] if len(api_key) >= 12 else ""
    return f"{prefix}…{tail}"
