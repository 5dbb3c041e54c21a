"""Hostile frames through the satnogs-decoders Kaitai structs (issues 16, 17).

Promise kept on every case: ``decode_fields`` returns named floats or a typed rejection, never
raises, for any octets, whether random, a real frame cut short, or a real frame with octets
changed.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from picodragon.config.loader import packaged_missions_folder
from picodragon.ground.kaitai import KaitaiFields, KaitaiRejection, decode_fields
from tests.hostile.fuzz import hostile

pytest.importorskip("satnogsdecoders", reason="the satnogs extra (satnogs-decoders) is not installed")

SAMPLE = bytes.fromhex(
    (packaged_missions_folder() / "quetzal1" / "sample-frame.hex").read_text().strip())
#: a few structs of other shapes: CSP over AX.25, plain AX.25 beacons, a bit-field layout
STRUCTS = ["quetzal1", "cspheader", "ax25frames", "grbalpha", "sanosat1"]


def _check(out: object) -> None:
    assert isinstance(out, KaitaiFields | KaitaiRejection)
    if isinstance(out, KaitaiFields):
        assert out.values and all(isinstance(v, float) and not math.isinf(v)
                                  for v in out.values.values())
        assert all(isinstance(s, str) for s in out.strings.values())
    else:
        assert out.reason and "\n" not in out.reason


@hostile
@given(frame=st.binary(max_size=400), struct=st.sampled_from(STRUCTS))
def test_any_octets_give_fields_or_a_rejection(frame: bytes, struct: str) -> None:
    _check(decode_fields(struct, frame))


@hostile
@given(cut=st.integers(0, len(SAMPLE)), flips=st.lists(
    st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 255)), max_size=8))
def test_a_real_frame_cut_or_bent_gives_fields_or_a_rejection(cut: int, flips: list) -> None:
    frame = bytearray(SAMPLE)
    for index, value in flips:
        frame[index] = value
    _check(decode_fields("quetzal1", bytes(frame[:cut]) if cut < len(SAMPLE) else bytes(frame)))
