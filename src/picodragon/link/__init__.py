"""The radio link: wire formats, the modem, CW, link budget, Doppler, channel, authentication.

Modules: ``ax25`` (UI frames), ``fcs`` (CRC-16/X.25), ``kiss`` and ``kiss_tcp`` (KISS framing,
asyncio client and server), ``hdlc`` (flags, stuffing, NRZI), ``afsk`` (Bell 202 modulator),
``demod`` (parallel demodulators, with ``fcsfix`` repair and the compiled ``_kernels``),
``tnc`` (the modem as a KISS TCP TNC), ``modem_files`` and ``wavio`` (files), ``cw`` (Morse
beacon), ``budget`` (link budget), ``doppler``, ``fm`` (narrow-band FM simulation),
``channel`` (deliver, corrupt or lose frames), ``auth`` (HMAC-SHA256 command authentication),
``peertools`` (run Direwolf's atest and multimon-ng), ``errors`` (typed rejections).

Pure functions over bytes, bits and samples; imports neither ``fsw`` nor ``ground``.
docs/link.md explains every part with its sources.
"""

from picodragon.link.errors import Reason, Rejection

__all__ = ["Reason", "Rejection"]
