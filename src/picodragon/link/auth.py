"""Command authentication: HMAC-SHA256 with a truncated tag, a counter and a replay window.

Message on the uplink (all integers big-endian)::

    key_id (1) | counter (4) | command (n) | tag (16)

``tag = HMAC-SHA256(key, key_id | counter | command)[:16]`` (RFC 2104; FIPS 198-1). Truncation
to 128 bits follows NIST SP 800-107 rev. 1 section 5.3.3, which accepts tags of 64 bits or more
when forgery attempts are limited; 128 bits is the CCSDS SDLS (355.0-B-2) HMAC-SHA-256 tag
length, and costs 16 octets of a 1200 bit/s uplink. ``tag_length`` can be set from 8 to 32.

The counter starts at 1 and the sender raises it by one for every command. The receiver keeps
the highest counter accepted and a bitmap of the ``window`` counters below it (the anti-replay
window of IPsec, RFC 4303 section 3.4.3): a command is accepted once, may arrive out of order
within the window, and is refused when it is older than the window. The receiver's state
(``highest``, ``bitmap``) is small and meant to be saved across reboots.

Keys come from configuration (files or the environment, :func:`load_key`), never from code;
they must be at least 16 octets. Verification compares tags in constant time and never raises.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from picodragon.link.errors import Reason, Rejection

__all__ = [
    "HEADER_LENGTH",
    "TAG_LENGTH",
    "CommandSigner",
    "CommandVerifier",
    "Verified",
    "load_key",
]

TAG_LENGTH = 16
HEADER_LENGTH = 5
MIN_KEY_LENGTH = 16
MAX_COUNTER = 2**32 - 1


def load_key(spec: str) -> bytes:
    """A key from ``env:NAME`` (hex in that variable) or ``file:PATH`` (hex text or raw octets)."""
    kind, _, where = spec.partition(":")
    if kind == "env":
        text = os.environ.get(where)
        if text is None:
            raise ValueError(f"environment variable {where} is not set")
        key = bytes.fromhex(text.strip())
    elif kind == "file":
        raw = Path(where).read_bytes()
        try:
            key = bytes.fromhex(raw.decode("ascii").strip())
        except (UnicodeDecodeError, ValueError):
            key = raw
    else:
        raise ValueError(f"key spec must be env:NAME or file:PATH, got {spec!r}")
    if len(key) < MIN_KEY_LENGTH:
        raise ValueError(f"key must be at least {MIN_KEY_LENGTH} octets, got {len(key)}")
    return key


def _tag(key: bytes, signed: bytes, length: int) -> bytes:
    return hmac.new(key, signed, hashlib.sha256).digest()[:length]


def _check_key(key: bytes, tag_length: int) -> None:
    if not isinstance(key, bytes) or len(key) < MIN_KEY_LENGTH:
        raise ValueError(f"key must be bytes of at least {MIN_KEY_LENGTH} octets")
    if not 8 <= tag_length <= 32:
        raise ValueError(f"tag length must be 8 to 32 octets, got {tag_length}")


class CommandSigner:
    """The ground side: signs commands with a key and a rising counter."""

    def __init__(self, key: bytes, key_id: int = 0, counter: int = 0, tag_length: int = TAG_LENGTH):
        _check_key(key, tag_length)
        if not 0 <= key_id <= 255:
            raise ValueError("key id must be 0 to 255")
        self._key = key
        self.key_id = key_id
        self.counter = counter
        self.tag_length = tag_length

    def sign(self, command: bytes) -> bytes:
        """The authenticated message for ``command``; raises the counter first."""
        if self.counter >= MAX_COUNTER:
            raise ValueError("counter exhausted: change the key")
        self.counter += 1
        signed = bytes((self.key_id,)) + self.counter.to_bytes(4, "big") + bytes(command)
        return signed + _tag(self._key, signed, self.tag_length)


@dataclass(frozen=True, slots=True)
class Verified:
    """An accepted command, with the key and counter it came under."""

    command: bytes
    key_id: int
    counter: int


class CommandVerifier:
    """The spacecraft side: checks tags and refuses replays. Never raises on any input."""

    def __init__(
        self,
        keys: Mapping[int, bytes],
        window: int = 64,
        highest: int = 0,
        bitmap: int = 0,
        tag_length: int = TAG_LENGTH,
    ) -> None:
        for key in keys.values():
            _check_key(key, tag_length)
        if not 1 <= window <= 1024:
            raise ValueError("window must be 1 to 1024")
        self._keys = dict(keys)
        self.window = window
        self.highest = highest
        self.bitmap = bitmap  # bit i set: counter highest - i already accepted
        self.tag_length = tag_length

    def verify(self, message: bytes) -> Verified | Rejection:
        """The command if the tag is right and the counter new, else a ``Rejection``."""
        try:
            return self._verify(message)
        except Exception as exc:  # a guard: nothing below should raise
            return Rejection(Reason.BAD_TAG, f"unexpected {type(exc).__name__}")

    def _verify(self, message: bytes) -> Verified | Rejection:
        if not isinstance(message, bytes | bytearray):
            return Rejection(Reason.NOT_BYTES, type(message).__name__)
        if len(message) < HEADER_LENGTH + self.tag_length:
            return Rejection(Reason.TOO_SHORT, f"{len(message)} octets")
        key_id = message[0]
        key = self._keys.get(key_id)
        if key is None:
            return Rejection(Reason.UNKNOWN_KEY, f"key id {key_id}")
        signed, tag = bytes(message[: -self.tag_length]), bytes(message[-self.tag_length :])
        if not hmac.compare_digest(tag, _tag(key, signed, self.tag_length)):
            return Rejection(Reason.BAD_TAG, "tag does not match")
        counter = int.from_bytes(signed[1:5], "big")
        if counter == 0:
            return Rejection(Reason.REPLAYED, "counter 0 is never sent")
        if counter > self.highest:
            shift = counter - self.highest
            self.bitmap = ((self.bitmap << shift) | 1) & ((1 << self.window) - 1)
            self.highest = counter
        else:
            age = self.highest - counter
            if age >= self.window:
                return Rejection(Reason.REPLAYED, f"counter {counter} older than the window")
            if self.bitmap >> age & 1:
                return Rejection(Reason.REPLAYED, f"counter {counter} already used")
            self.bitmap |= 1 << age
        return Verified(signed[HEADER_LENGTH:], key_id, counter)
