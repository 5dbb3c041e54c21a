"""Time tags and time stamps: the CUC's 32-bit seconds since 2000 are the one valid range.

Masking the seconds to 32 bits moved an out-of-range time by 136 years (a tag in 2137 ran at
once on board, one in 1999 was scheduled for 2136): times outside the range now raise.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from picodragon.dictionary.packets import (
    EPOCH_2000_UNIX,
    TIME_TAG_FIRST_UNIX,
    TIME_TAG_LAST_UNIX,
    check_time_tag,
    cuc_to_unix,
    decode_telemetry,
    pack_telemetry,
    parse_space_packet,
    space_packet,
    time_tag_problem,
    unix_to_cuc,
)
from picodragon.dictionary.telecommand import (
    decode_telecommand,
    encode_telecommand,
    pack_telecommand,
)
from picodragon.link.auth import CommandSigner, CommandVerifier

KEY = b"time-tag-test-key-0123456789abcdef"
Y1999 = datetime(1999, 12, 31, 23, 0, tzinfo=UTC).timestamp()
Y2137 = datetime(2137, 1, 1, tzinfo=UTC).timestamp()


def test_the_range_is_the_cuc_epoch_and_32_bit_seconds():
    assert datetime.fromtimestamp(TIME_TAG_FIRST_UNIX, UTC) == datetime(2000, 1, 1, 0, 0, 1, tzinfo=UTC)
    assert datetime.fromtimestamp(TIME_TAG_LAST_UNIX, UTC) == datetime(2136, 2, 7, 6, 28, 15, tzinfo=UTC)
    assert unix_to_cuc(TIME_TAG_LAST_UNIX) == (0xFFFFFFFF, 0)
    assert cuc_to_unix(*unix_to_cuc(TIME_TAG_FIRST_UNIX)) == TIME_TAG_FIRST_UNIX


@pytest.mark.parametrize("unix_s", [Y1999, Y2137, EPOCH_2000_UNIX - 1e-3, TIME_TAG_LAST_UNIX + 1.0,
                                    math.nan, math.inf, -math.inf])
def test_unix_to_cuc_refuses_what_it_cannot_represent(unix_s):
    with pytest.raises(ValueError, match="outside the CUC range"):
        unix_to_cuc(unix_s)


@pytest.mark.parametrize("unix_s", [Y1999, Y2137, EPOCH_2000_UNIX, math.nan, math.inf, "soon", None])
def test_check_time_tag_names_the_range(unix_s):
    problem = time_tag_problem(unix_s)
    assert problem and "\n" not in problem
    with pytest.raises(ValueError):
        check_time_tag(unix_s)


def test_valid_time_tags_pass_unchanged():
    for t in (TIME_TAG_FIRST_UNIX, 1_384_863_420.0, TIME_TAG_LAST_UNIX):
        assert time_tag_problem(t) == "" and check_time_tag(t) == t


@pytest.mark.parametrize("when", [Y1999, Y2137, math.nan])
def test_a_telecommand_with_an_unrepresentable_tag_is_never_built(when):
    with pytest.raises(ValueError, match="time tag"):
        pack_telecommand("NOOP", execute_at=when)
    signer = CommandSigner(KEY)
    with pytest.raises(ValueError):
        encode_telecommand("NOOP", None, signer, execute_at=when)
    assert signer.counter == 0  # nothing signed, no counter spent


def test_a_tag_at_either_end_round_trips():
    verifier = CommandVerifier({0: KEY})
    signer = CommandSigner(KEY)
    for when in (TIME_TAG_FIRST_UNIX, TIME_TAG_LAST_UNIX):
        tc = decode_telecommand(encode_telecommand("NOOP", None, signer, execute_at=when), verifier)
        assert tc.execute_at == when


def test_space_packets_refuse_unrepresentable_times():
    with pytest.raises(ValueError):
        space_packet(0x100, 0, Y2137, b"", telecommand=True)


def test_on_board_telemetry_stamps_saturate_rather_than_wrap():
    """An on-board clock upset must not stop the telemetry: the stamp pins at the range's end."""
    early = decode_telemetry(pack_telemetry("EVENT_REPORT", {"event_id": 1, "severity": 1}, 0.0, 0))
    late = decode_telemetry(pack_telemetry("EVENT_REPORT", {"event_id": 1, "severity": 1}, Y2137, 0))
    assert early.unix_s == EPOCH_2000_UNIX
    assert late.unix_s == TIME_TAG_LAST_UNIX
    assert parse_space_packet(pack_telemetry("EVENT_REPORT", {}, Y1999, 0)).unix_s == EPOCH_2000_UNIX
