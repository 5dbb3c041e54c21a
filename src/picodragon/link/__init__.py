"""The radio link: wire formats (AX.25, KISS, HDLC), the AFSK 1200 modem, CW, link budget,
Doppler, the channel and command authentication.

Pure functions over bytes, bits and samples; imports neither ``fsw`` nor ``ground``.
"""

from picodragon.link.errors import Reason, Rejection

__all__ = ["Reason", "Rejection"]
