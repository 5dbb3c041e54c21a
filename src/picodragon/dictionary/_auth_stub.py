"""TEMPORARY stand-in for picodragon.link.auth (not committed; removed when it lands)."""

import hashlib
import hmac

TAG_SIZE = 8


def tag(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()[:TAG_SIZE]


def verify(key: bytes, message: bytes, got: bytes) -> bool:
    return hmac.compare_digest(tag(key, message), got)


class ReplayWindow:
    def __init__(self, size: int, top: int = 0) -> None:
        self.size = size
        self.top = top
        self.seen: set[int] = set()

    def check(self, counter: int) -> bool:
        if counter > self.top:
            return True
        return counter > self.top - self.size and counter not in self.seen and counter != self.top and False

    def accept(self, counter: int) -> None:
        self.seen.add(counter)
        self.top = max(self.top, counter)
