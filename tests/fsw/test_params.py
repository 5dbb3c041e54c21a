"""Configuration checks at the boundary, and the persistent parameters' storage."""

from __future__ import annotations

import pytest

from picodragon.fsw.params import FswConfig, MemoryStorage, PersistentParams


@pytest.mark.parametrize("bad", [
    {"auth_key": b"short"}, {"auth_key": "a text key of some length"}, {"ssid": 16},
    {"callsign": "xv9pid"}, {"callsign": "TOOLONGCALL"}, {"control_period_s": 0},
])
def test_bad_configuration_is_refused_with_a_clear_error(bad):
    with pytest.raises(ValueError):
        FswConfig(**bad)


def test_parameters_round_trip_and_survive_one_lost_copy():
    storage = MemoryStorage()
    params = PersistentParams(boot_count=7, antenna_deployed=True, auth_bitmap=2**63 + 5)
    params.save(storage)
    params.boot_count = 8
    params.save(storage)
    assert PersistentParams.load(storage).boot_count == 8
    storage.write("params.a", b"\x00" * 10)
    loaded = PersistentParams.load(storage)
    assert loaded.boot_count == 8 and loaded.auth_bitmap == 2**63 + 5


def test_a_reset_between_the_two_writes_leaves_the_previous_generation():
    storage = MemoryStorage()
    params = PersistentParams(boot_count=1)
    params.save(storage)
    old_b = storage.read("params.b")
    params.boot_count = 2
    params.save(storage)
    storage.write("params.b", old_b)  # as if the second write never happened
    assert PersistentParams.load(storage).boot_count == 2
    storage.delete("params.a")
    assert PersistentParams.load(storage).boot_count == 1


def test_unreadable_parameters_give_defaults():
    storage = MemoryStorage()
    storage.write("params.a", b"garbage")
    assert PersistentParams.load(storage) == PersistentParams()
