"""The flash device keeps its byte count as blobs come and go, and refuses what does not fit."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from picodragon.physics.devices import StorageDevice

ops = st.lists(st.tuples(st.sampled_from(["write", "delete"]), st.sampled_from("abcd"),
                         st.integers(min_value=0, max_value=60)), max_size=60)


def held(flash: StorageDevice) -> dict[str, bytes | None]:
    names = flash.keys()
    return {k: flash.read(k) for k in names}


@settings(max_examples=60, deadline=None)
@given(ops)
def test_used_bytes_is_what_the_blobs_hold_and_a_full_flash_changes_nothing(sequence):
    flash = StorageDevice(capacity_bytes=100)
    for op, key, size in sequence:
        before = held(flash)
        if op == "delete":
            flash.delete(key)
        else:
            others = sum(len(v) for k, v in before.items() if k != key)
            if others + size > flash.capacity_bytes:
                with pytest.raises(OSError):
                    flash.write(key, bytes(size))
                assert held(flash) == before
            else:
                flash.write(key, bytes(size))
        assert flash.used_bytes() == sum(len(blob) for blob in held(flash).values())
