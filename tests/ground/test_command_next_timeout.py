"""next_timeout: before it check_timeouts finds nothing, after it something (the operator's
tick relies on this to skip the check)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from picodragon.dictionary.telecommand import Stage as Response
from picodragon.ground.archive import open_archive
from picodragon.ground.commanding import CommandQueue

KEY = bytes(range(32))
T0 = 1_400_000_000.0  # a time a telecommand can carry

# each command: sent at this second, then acknowledged after this delay (None: never), executed
# at this offset from the acknowledgement (None: at once)
commands = st.lists(st.tuples(st.integers(0, 500), st.one_of(st.none(), st.integers(1, 90)),
                              st.one_of(st.none(), st.integers(0, 400))), min_size=0, max_size=5)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(commands, st.floats(0.0, 2000.0))
def test_nothing_times_out_until_next_timeout(tmp_path, plan, probe):
    archive = open_archive(str(tmp_path / f"q{abs(hash((tuple(plan), probe)))}.sqlite"), reset=True)
    try:
        q = CommandQueue(archive, KEY, ack_timeout_s=30.0, completion_timeout_s=600.0)
        for sent_at, ack_after, execute_offset in plan:
            execute_at = None if execute_offset is None else float(sent_at + (ack_after or 0) + execute_offset)
            c = q.queue("NOOP", now=T0 + sent_at, execute_at=None if execute_at is None else T0 + execute_at)
            q.release(c.id, T0 + sent_at)
            q.uplink(T0 + sent_at)
            if ack_after is not None:
                q.on_response({"counter": c.counter, "opcode": c.opcode, "stage": int(Response.ACCEPTED),
                               "code": 0}, T0 + sent_at + ack_after)
        deadline = q.next_timeout()
        if T0 + probe <= deadline:
            assert q.check_timeouts(T0 + probe) == []
        else:
            assert q.check_timeouts(T0 + probe) != []
        # once past every window, nothing is left to time out
        q.check_timeouts(T0 + 1e6)
        assert q.next_timeout() == float("inf")
    finally:
        archive.close()
