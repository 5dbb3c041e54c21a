"""The file store and the rotating records, alone: ids, capacity, integrity, recovery."""

from __future__ import annotations

import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from picodragon.fsw.filestore import IMAGE, LOG, FileStore
from picodragon.fsw.records import RotatingRecord
from tests.fsw.fakes import FlashStorage


def test_ids_are_never_reused_even_across_reboots_and_deletions():
    storage = FlashStorage()
    store = FileStore(storage, 100_000)
    ids = [store.store(IMAGE, b"x" * 100, 1e9).file_id for _ in range(3)]
    store.delete(ids[-1])
    store = FileStore(storage, 100_000)  # a reboot
    ids.append(store.store(LOG, b"y", 1e9).file_id)
    assert len(set(ids)) == 4 and ids == sorted(ids)


def test_capacity_counts_file_data_and_is_recomputed_at_boot():
    storage = FlashStorage()
    store = FileStore(storage, 1000)
    assert store.store(IMAGE, b"a" * 600, 1e9) is not None
    assert store.store(IMAGE, b"b" * 600, 1e9) is None
    assert FileStore(storage, 1000).free_bytes() == 400


def test_metadata_round_trips_and_validity_is_checked_every_time():
    storage = FlashStorage()
    store = FileStore(storage, 10_000)
    info = store.store(IMAGE, b"jpeg" * 100, 1.5e9, latitude_deg=21.0, longitude_deg=105.8,
                       altitude_km=410.0, quaternion=(1.0, 0.0, 0.0, 0.0))
    again = FileStore(storage, 10_000).info(info.file_id)
    assert again == info and again.valid and again.crc32 == zlib.crc32(b"jpeg" * 100)
    storage.flip_bit(f"file.{info.file_id}.data")
    assert not store.info(info.file_id).valid


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=2, max_value=60), st.data())
def test_a_rotating_record_returns_the_newest_generation_with_an_intact_copy(saves, data):
    storage = FlashStorage()
    record = RotatingRecord(storage, "r", slots=4, copies=2)
    for i in range(saves):
        record.save(str(i).encode())
    corrupt = data.draw(st.sets(st.sampled_from(sorted(storage.blobs))))
    for key in corrupt:
        storage.flip_bit(key)
    reader = RotatingRecord(storage, "r", slots=4, copies=2)
    body = reader.load()
    # the newest generation of which one copy survived
    survivors = [g for g in range(max(1, saves - 3), saves + 1)
                 if any(f"r.{g % 4}.{c}" not in corrupt for c in range(2))]
    if survivors:
        assert body == str(max(survivors) - 1).encode() and reader.generation == max(survivors)
    else:
        assert body is None
