"""Configuration checks at the boundary, and the persistent parameters' storage."""

from __future__ import annotations

import pytest

from picodragon.fsw.params import FswConfig, MemoryStorage, PersistentParams


def params_keys(storage: MemoryStorage, slot: int) -> list[str]:
    stored = storage.keys()
    return [k for k in stored if k.startswith(f"params.{slot}.")]


@pytest.mark.parametrize("bad", [
    {"auth_key": b"short"}, {"auth_key": "a text key of some length"}, {"ssid": 16},
    {"callsign": "xv9pid"}, {"callsign": "TOOLONGCALL"}, {"control_period_s": 0},
])
def test_bad_configuration_is_refused_with_a_clear_error(bad):
    with pytest.raises(ValueError):
        FswConfig(**bad)


def test_defaults_are_placeholders_that_name_no_mission():
    """Without a mission's values the build calls itself N0CALL and listens to N0GRND: valid
    AX.25 addresses no station can hold, so a forgotten parameter is obvious on the air."""
    from picodragon.link import ax25

    config = FswConfig()
    assert (config.callsign, config.ground_callsign, config.beacon_text) == ("N0CALL", "N0GRND", "N0CALL")
    frame = ax25.Frame(ax25.Address(config.ground_callsign), ax25.Address(config.callsign), info=b"x")
    decoded = ax25.decode(ax25.encode(frame))
    assert (decoded.source.callsign, decoded.destination.callsign) == ("N0CALL", "N0GRND")


def test_parameters_round_trip_and_survive_one_lost_copy():
    storage = MemoryStorage()
    params = PersistentParams(boot_count=7, antenna_deployed=True, auth_bitmap=2**63 + 5)
    params.save(storage)
    params.boot_count = 8
    params.save(storage)
    assert PersistentParams.load(storage).boot_count == 8
    newest = params_keys(storage, params.generation % 8)
    assert len(newest) == 2
    storage.write(newest[0], b"\x00" * 10)
    loaded = PersistentParams.load(storage)
    assert loaded.boot_count == 8 and loaded.auth_bitmap == 2**63 + 5


def test_losing_the_newest_generation_falls_back_to_the_previous_one():
    storage = MemoryStorage()
    params = PersistentParams(boot_count=1)
    params.save(storage)
    params.boot_count = 2
    params.save(storage)
    for key in params_keys(storage, params.generation % 8):
        storage.delete(key)  # as if a reset came before either write of generation 2 landed
    assert PersistentParams.load(storage).boot_count == 1


def test_unreadable_parameters_give_defaults():
    storage = MemoryStorage()
    storage.write("params.0.0", b"garbage")
    assert PersistentParams.load(storage) == PersistentParams()


def test_frequent_saves_are_spread_over_the_slots():
    from tests.fsw.fakes import FlashStorage

    storage = FlashStorage()
    params = PersistentParams()
    for _ in range(800):
        params.save(storage)
    assert max(storage.writes.values()) == 100  # 800 generations over 8 slots
    assert PersistentParams.load(storage).generation == 800


def test_a_saved_generation_is_the_fields_as_sorted_json():
    """The stored body is every field as JSON with sorted keys (the format older copies were
    written in, and what load reads back), whatever order the dataclass declares them in."""
    import dataclasses
    import json

    from picodragon.fsw.records import RotatingRecord

    storage = MemoryStorage()
    params = PersistentParams(boot_count=3, recent_boots=[1.5, 2.0], auth_bitmap=2**60 + 1,
                              beacon_interval_s=None, images_captured=7)
    params.save(storage)
    record = RotatingRecord(storage, "params", slots=8, copies=2)
    body = record.load()
    expected = dict(dataclasses.asdict(params), generation=0)
    assert body == json.dumps(expected, sort_keys=True).encode()
    assert list(json.loads(body)) == sorted(expected)
