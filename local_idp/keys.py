"""The provider's RS256 signing key, made once at first start and kept in its data folder."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def signing_key_pem(path: Path) -> str:
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        _write_once(path, pem)
    return path.read_text()


def _write_once(path: Path, content: bytes) -> None:
    # Written beside and renamed, so a second process starting at the same moment never reads half a file.
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(content)
    os.chmod(partial, 0o600)
    if path.exists():
        partial.unlink()
    else:
        os.replace(partial, path)


def secret_key(path: Path) -> str:
    if not path.exists():
        _write_once(path, secrets.token_urlsafe(48).encode())
    return path.read_text()
