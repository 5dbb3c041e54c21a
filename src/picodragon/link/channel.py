"""The channel between two radios: deliver, corrupt or lose a frame at a given bit error rate.

A frame (AX.25 octets without FCS, as KISS carries it) is sent the way it goes on air: FCS
appended, HDLC bit stuffing and flags, NRZI. Bit errors are drawn independently on the line
bits with probability ``bit_error_rate`` (a binary symmetric channel); the receiver NRZI-decodes,
deframes and checks the FCS. A frame whose FCS fails is lost (``None``), as a TNC drops it; an
error pattern the FCS cannot see would come through corrupted, as on a real link.

Deterministic for a seed: the same sequence of calls gives the same results.
"""

from __future__ import annotations

import numpy as np

from picodragon.link import hdlc


class Channel:
    """A seeded binary symmetric channel carrying HDLC-framed AX.25."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def transmit(self, frame: bytes, bit_error_rate: float) -> bytes | None:
        """The frame as received, or ``None`` when it is lost."""
        ber = float(np.clip(bit_error_rate, 0.0, 0.5))
        line = hdlc.nrzi_encode(hdlc.encode(frame))
        n_errors = self.rng.binomial(len(line), ber) if ber > 0 else 0
        if n_errors == 0:
            return bytes(frame)
        where = self.rng.choice(len(line), size=n_errors, replace=False)
        line[where] ^= 1
        frames = hdlc.frames_from_bits(hdlc.nrzi_decode(line))
        return frames[0] if frames else None
