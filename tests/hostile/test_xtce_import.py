"""Hostile XTCE: byte-level mutations of our own export never raise anything but
DictionaryError from ``load_xtce`` (never a crash, never a hang on entities)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from picodragon.dictionary.definitions import DictionaryError
from picodragon.dictionary.loader import load_dictionary
from picodragon.dictionary.model import Packet
from picodragon.dictionary.xtce import to_xtce
from picodragon.dictionary.xtce_import import load_xtce
from tests.hostile.fuzz import hostile

# a small dictionary keeps each case fast; its export has every construct the big one has
_CORE = load_dictionary()
_SMALL = type(_CORE)("small", _CORE.telemetry[1:3], _CORE.commands[1:2], _CORE.events[:2],
                     _CORE.enums, _CORE.chunk_header)
SEED = to_xtce(_SMALL).encode()
_DIR = Path(tempfile.mkdtemp(prefix="xtce-fuzz-"))

mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, len(SEED) - 1), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.integers(0, len(SEED) - 1), st.integers(1, 64)),
    st.tuples(st.just("insert"), st.integers(0, len(SEED)),
              st.sampled_from([b"<", b">", b"/", b'"', b"&", b"&amp;", b"-1", b"99999999999",
                               b"nan", b"inf", b"<!DOCTYPE a>", b"\x00", b"\xff", b"x", b"0x",
                               b"</xtce:EntryList>", b'sizeInBits="7"', b"\n"])),
)


def _apply(data: bytes, ops) -> bytes:
    for kind, at, arg in ops:
        if kind == "flip":
            data = data[:at] + bytes([data[at % len(data)] ^ arg]) + data[at + 1:] if data else data
        elif kind == "cut":
            data = data[:at] + data[at + arg:]
        else:
            data = data[:at] + arg + data[at:]
    return data


def test_the_seed_imports():
    path = _DIR / "seed.xml"
    path.write_bytes(SEED)
    assert load_xtce(path) == _SMALL
    assert isinstance(_SMALL.telemetry[0], Packet)


@hostile
@given(st.lists(mutation, min_size=1, max_size=4))
def test_mutated_xtce_is_a_dictionary_or_a_dictionary_error(ops):
    path = _DIR / "mutant.xml"
    path.write_bytes(_apply(SEED, ops))
    try:
        load_xtce(path)
    except DictionaryError as exc:
        assert "\n" not in str(exc)
