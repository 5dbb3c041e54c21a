"""Channel: clean delivery, loss at high BER, determinism for a seed."""

from __future__ import annotations

from picodragon.link import ax25
from picodragon.link.channel import Channel

FRAME = ax25.encode(ax25.Frame(ax25.Address("CQ"), ax25.Address("XV9PID"), info=b"x" * 100))


def test_clean_channel_delivers() -> None:
    channel = Channel(seed=1)
    assert all(channel.transmit(FRAME, 0.0) == FRAME for _ in range(10))


def test_bad_channel_loses_everything() -> None:
    channel = Channel(seed=1)
    assert all(channel.transmit(FRAME, 0.2) is None for _ in range(20))


def test_loss_rate_follows_ber() -> None:
    channel = Channel(seed=7)
    ber = 1e-3
    got = sum(channel.transmit(FRAME, ber) is not None for _ in range(400))
    n_bits = 8 * (len(FRAME) + 2 + 2) + 10  # frame, FCS, two flags, a few stuffed bits
    expected = 400 * (1 - ber) ** n_bits
    assert abs(got - expected) < 5 * (expected * (1 - expected / 400)) ** 0.5 + 5


def test_deterministic_for_a_seed() -> None:
    def run(seed: int) -> list[bytes | None]:
        channel = Channel(seed)
        return [channel.transmit(FRAME, 2e-3) for _ in range(50)]

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_audio_path() -> None:
    clean = Channel(seed=1, audio=True)
    assert clean.transmit(FRAME, 0.0) == FRAME
    noisy = Channel(seed=1, audio=True, tone_offset_hz=40.0)
    results = [noisy.transmit(FRAME, 0.02) for _ in range(5)]
    assert all(r is None or r == FRAME for r in results)
    assert any(r is None for r in results)
    again = Channel(seed=1, audio=True, tone_offset_hz=40.0)
    assert [again.transmit(FRAME, 0.02) for _ in range(5)] == results


def test_pass_bad_frames() -> None:
    strict = Channel(seed=9)
    lenient = Channel(seed=9, pass_bad_frames=True)
    got_strict = [strict.transmit(FRAME, 2e-3) for _ in range(200)]
    got_lenient = [lenient.transmit(FRAME, 2e-3) for _ in range(200)]
    corrupted = [g for g in got_lenient if g is not None and g != FRAME]
    assert corrupted  # some frames arrive damaged instead of being dropped
    # same draws: wherever the strict channel delivered, the lenient one delivered the same
    assert all(a == b for a, b in zip(got_strict, got_lenient, strict=True) if a is not None)
    assert sum(g is None for g in got_lenient) < sum(g is None for g in got_strict)


def test_the_error_count_quantile_is_scipys_binomial_ppf() -> None:
    """The channel draws a frame's error count by the binomial quantile: the ufunc it calls gives
    scipy.stats.binom.ppf's numbers wherever the channel asks (0 < q < 1, 0 < p <= 0.5)."""
    import numpy as np
    from scipy.stats import binom

    from picodragon.link.channel import _binomial_quantile

    rng = np.random.default_rng(7)
    q = rng.random(5000)
    n = rng.integers(50, 5000, 5000)
    p = 10 ** rng.uniform(-8, np.log10(0.5), 5000)
    assert np.array_equal(_binomial_quantile()(q, n, p), binom.ppf(q, n, p))
