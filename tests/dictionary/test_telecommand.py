"""Telecommand wire format: round trip, authentication, replay, never raising on garbage."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from picodragon.dictionary import core
from picodragon.dictionary.packets import EPOCH_2000_UNIX, parse_space_packet
from picodragon.dictionary.telecommand import (
    COMMAND_APID,
    CommandRejection,
    Reason,
    Telecommand,
    decode_telecommand,
    encode_telecommand,
    pack_arguments,
    pack_telecommand,
)
from picodragon.link.auth import CommandSigner, CommandVerifier

KEY = bytes(range(32))


def verifier():
    return CommandVerifier({0: KEY})


def test_layout_is_envelope_then_space_packet_then_tag():
    signer = CommandSigner(KEY)
    data = encode_telecommand("SET_MODE", {"mode": 2}, signer)
    assert data[0] == 0 and int.from_bytes(data[1:5], "big") == 1
    packet = parse_space_packet(data[5:-16])
    assert packet.telecommand and packet.apid == COMMAND_APID
    assert packet.payload == b"\x00\x02\x02"
    assert len(data) == 5 + 12 + 3 + 16


@pytest.mark.parametrize("command", core().commands, ids=lambda c: c.name)
def test_every_command_round_trips(command):
    args = {a.name: (a.minimum if a.minimum is not None else (min(a.enum) if a.enum else 1))
            for a in command.arguments}
    v = verifier()
    data = encode_telecommand(command, args, CommandSigner(KEY, counter=41),
                              execute_at=EPOCH_2000_UNIX + 1000.5)
    tc = decode_telecommand(data, v)
    assert isinstance(tc, Telecommand)
    assert tc.command == command and tc.counter == 42
    assert tc.arguments == {k: float(x) for k, x in args.items()}
    assert tc.execute_at == EPOCH_2000_UNIX + 1000.5


def test_immediate_commands_have_no_execution_time():
    tc = decode_telecommand(encode_telecommand("NOOP", None, CommandSigner(KEY)), verifier())
    assert tc.execute_at is None


def test_wrong_key_replay_and_no_key_are_rejected():
    v = verifier()
    good = encode_telecommand("NOOP", None, CommandSigner(KEY))
    forged = encode_telecommand("NOOP", None, CommandSigner(b"x" * 32, counter=5))
    assert decode_telecommand(forged, v).reason == Reason.BAD_TAG
    assert isinstance(decode_telecommand(good, v), Telecommand)
    assert decode_telecommand(good, v).reason == Reason.REPLAYED
    assert decode_telecommand(good, None).reason == Reason.NO_KEY
    assert decode_telecommand(forged, v).counter == 6  # read for the answer, not trusted


def test_unknown_opcode_and_bad_length_are_rejected_after_authentication():
    signer = CommandSigner(KEY)
    v = verifier()
    from picodragon.dictionary.packets import space_packet

    unknown = signer.sign(space_packet(COMMAND_APID, 0, EPOCH_2000_UNIX, b"\x7f\x7f", telecommand=True))
    short = signer.sign(space_packet(COMMAND_APID, 0, EPOCH_2000_UNIX, b"\x00\x02", telecommand=True))
    assert decode_telecommand(unknown, v).reason == Reason.UNKNOWN_OPCODE
    assert decode_telecommand(short, v).reason == Reason.BAD_LENGTH


def test_the_ground_cannot_pack_an_out_of_range_argument():
    command = core().command("SET_BEACON_INTERVAL")
    with pytest.raises(ValueError, match="below"):
        pack_arguments(command, {"interval_s": 1})
    with pytest.raises(ValueError, match="missing"):
        pack_telecommand("SET_MODE", {})


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80))
def test_garbage_never_raises(data):
    result = decode_telecommand(data, verifier())
    assert isinstance(result, CommandRejection)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=35), st.integers(min_value=0, max_value=7))
def test_any_single_bit_flip_is_caught(index, bit):
    data = bytearray(encode_telecommand("SET_MODE", {"mode": 5}, CommandSigner(KEY)))
    data[index] ^= 1 << bit
    assert isinstance(decode_telecommand(bytes(data), verifier()), CommandRejection)
