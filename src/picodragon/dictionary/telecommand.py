"""Telecommands on the wire (first cut: the reason codes; the packet format follows)."""

from __future__ import annotations

from enum import IntEnum


class Reason(IntEnum):
    """Why a telecommand was rejected or failed: the ``code`` of COMMAND_RESPONSE."""

    OK = 0
    BAD_FRAME = 1
    BAD_PACKET = 2
    BAD_TAG = 3
    REPLAYED = 4
    UNKNOWN_OPCODE = 5
    BAD_LENGTH = 6
    BAD_ARGUMENT = 7
    WRONG_MODE = 8
    POWER_LOW = 9
    SCHEDULE_FULL = 10
    TIME_PASSED = 11
    NO_SUCH_FILE = 12
    DEVICE_ERROR = 13
    STORE_FULL = 14
    NO_KEY = 15
    FAILED = 16
