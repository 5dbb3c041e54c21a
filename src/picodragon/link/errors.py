"""Typed rejections shared by every decoder of the link room.

A decoder of untrusted bytes (AX.25, KISS, HDLC, authenticated commands) never raises on bad
input: it returns a :class:`Rejection` whose ``reason`` names what was wrong, so a server loop
can count and log the garbage and carry on (DESIGN.md, "Errors").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Reason(StrEnum):
    """Why a decoder refused its input. A ``str``, so it logs and serialises as text."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    BAD_FCS = "bad_fcs"
    BAD_ADDRESS = "bad_address"
    BAD_CALLSIGN = "bad_callsign"
    TOO_MANY_DIGIPEATERS = "too_many_digipeaters"
    NO_ADDRESS_END = "no_address_end"
    NOT_UI = "not_ui"
    NOT_BYTES = "not_bytes"
    NOT_OCTETS = "not_octets"
    ABORT = "abort"
    BAD_ESCAPE = "bad_escape"
    BAD_TAG = "bad_tag"
    REPLAYED = "replayed"
    UNKNOWN_KEY = "unknown_key"


@dataclass(frozen=True, slots=True)
class Rejection:
    """A refused input: ``reason`` says which rule failed, ``detail`` gives the particulars."""

    reason: Reason
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}" if self.detail else str(self.reason)
