"""The scheduler: rate groups in order, timers, failures contained, stalls visible."""

from __future__ import annotations

from picodragon.fsw.scheduler import Component, Port, Scheduler


class Probe(Component):
    name = "probe"


def test_rate_groups_run_their_members_in_order_each_period():
    s = Scheduler()
    s.add_group("fast", 10.0, start=0.0)
    calls = []
    a, b = Probe(), Probe()
    s.every("fast", a, lambda now: calls.append(("a", now)))
    s.every("fast", b, lambda now: calls.append(("b", now)))
    for t in (0.0, 5.0, 10.0, 20.0):
        s.run_due(t)
    assert calls == [("a", 0.0), ("b", 0.0), ("a", 10.0), ("b", 10.0), ("a", 20.0), ("b", 20.0)]
    assert s.next_due() == 30.0
    assert a.last_heartbeat == 20.0


def test_a_clock_jump_runs_a_group_once_not_for_every_missed_period():
    s = Scheduler()
    s.add_group("g", 10.0, start=0.0)
    calls = []
    s.every("g", Probe(), calls.append)
    s.run_due(0.0)
    s.run_due(1000.0)
    assert calls == [0.0, 1000.0]
    assert s.next_due() == 1010.0


def test_timers_fire_once_in_time_order_and_can_be_replaced_or_cancelled():
    s = Scheduler()
    fired = []
    s.at("b", 20.0, lambda now: fired.append("b"))
    s.at("a", 10.0, lambda now: fired.append("a"))
    s.at("c", 15.0, lambda now: fired.append("c"))
    s.at("c", 30.0, lambda now: fired.append("c2"))  # replaces c
    s.cancel("b")
    assert s.pending("c") == 30.0 and s.pending("b") is None
    s.run_due(100.0)
    assert fired == ["a", "c2"]
    assert s.next_due() == float("inf")


def test_a_timer_set_by_a_handler_for_now_runs_in_the_same_pass():
    s = Scheduler()
    fired = []
    s.at("first", 5.0, lambda now: s.at("second", now, lambda t: fired.append(t)))
    s.run_due(5.0)
    assert fired == [5.0]


def test_failures_are_contained_counted_and_reported():
    reports = []
    s = Scheduler(report_failure=lambda c, exc: reports.append((c.name, str(exc))))
    s.add_group("g", 1.0, start=0.0)
    bad, good = Probe(), Probe()
    ran = []

    def boom(now):
        raise ValueError("boom")

    s.every("g", bad, boom)
    s.every("g", good, ran.append)
    s.run_due(0.0)
    assert ran == [0.0] and bad.failures == 1 and reports == [("probe", "boom")]
    assert bad.last_heartbeat is None and good.last_heartbeat == 0.0


def test_a_stalled_component_stops_beating():
    s = Scheduler()
    s.add_group("g", 1.0, start=0.0)
    c = Probe()
    s.every("g", c, lambda now: None)
    s.run_due(0.0)
    c.stalled = True
    s.run_due(1.0)
    assert c.last_heartbeat == 0.0


def test_ports_deliver_to_every_connected_handler():
    port: Port[int] = Port("p")
    got = []
    assert not port.connected
    port.connect(got.append)
    port.connect(lambda m: got.append(m * 10))
    port.send(4)
    assert got == [4, 40]
