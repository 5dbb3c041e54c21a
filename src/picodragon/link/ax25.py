"""AX.25 UI frames: address field, control, PID, information, FCS.

Follows AX.25 Link Access Protocol for Amateur Packet Radio, version 2.2 (TAPR, 1998/2017):

- section 3.12 (address field): each address is 7 octets, six ASCII characters (uppercase
  letters and digits, padded with spaces) shifted left one bit, then an SSID octet
  ``C/H R R S S S S X``: bit 7 is the command/response bit (destination and source) or the
  has-been-repeated bit (digipeaters), bits 6-5 are reserved (sent as 1), bits 4-1 the SSID and
  bit 0 the extension bit, 1 only on the last address. Version 2.2 allows at most two
  digipeaters (section 3.12.4); older practice allowed eight, so the limit is a parameter.
- section 4.3.3.6 (UI frame): control 0x03, or 0x13 with the poll bit; a PID octet follows
  (0xF0: no layer 3).
- section 3.8 (FCS): see :mod:`picodragon.link.fcs`.

A command frame in v2 sets the destination's C bit and clears the source's; that is what
:func:`encode` sends when an :class:`Address` leaves ``ch`` as ``None``. Decoded addresses keep
the bits they arrived with, so ``encode(decode(x)) == x`` byte for byte.

``encode`` returns the frame WITHOUT its FCS, as carried in KISS; HDLC adds the FCS on air.
``decode`` never raises: malformed input gives a :class:`~picodragon.link.errors.Rejection`.

Real satellites bend the address rules: AO-27 sends SSID octets without the reserved bits
(0x00 where the standard says 0x60 | ssid << 1) and a space inside its callsign ("AO27 T").
``decode(data, strict=False)`` accepts such a frame, as Direwolf does once the FCS is good: the
address is kept as it arrived (any printable ASCII callsign, the reserved bits as sent) and each
departure from the standard is named in :attr:`Frame.oddities`. The default, ``strict=True``,
refuses them, which is what a station's filter wants.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from picodragon.link.errors import Reason, Rejection
from picodragon.link.fcs import append_fcs, check_fcs, fcs

__all__ = [
    "MAX_DIGIPEATERS",
    "MAX_INFO",
    "Address",
    "Frame",
    "append_fcs",
    "check_fcs",
    "decode",
    "encode",
    "fcs",
    "from_text",
    "to_text",
]

MAX_DIGIPEATERS = 2
"""AX.25 v2.2 section 3.12.4: at most two digipeater addresses."""

MAX_DIGIPEATERS_V20 = 8
"""AX.25 v2.0 allowed eight; a :class:`Frame` may hold that many, :func:`decode` defaults to two."""

MAX_INFO = 256
"""AX.25 v2.2 section 6.7.2.3: default maximum information field N1, octets."""

UI = 0x03
POLL = 0x10
_SHIFT_LEFT = bytes((b << 1) & 0xFF for b in range(256))
_CALLSIGN_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


@dataclass(frozen=True, slots=True)
class Address:
    """One AX.25 address: callsign (1-6 of A-Z, 0-9) and SSID (0-15).

    ``ch`` is the C bit (destination, source) or H bit (digipeater: has been repeated); ``None``
    lets :func:`encode` use the v2 command convention. ``reserved`` holds bits 6-5 (normally 0b11).
    Neither takes part in equality: two addresses are equal when callsign and SSID are.
    """

    callsign: str
    ssid: int = 0
    ch: bool | None = field(default=None, compare=False)
    reserved: int = field(default=0b11, compare=False)

    def __post_init__(self) -> None:
        call = self.callsign
        if not isinstance(call, str) or not 1 <= len(call) <= 6:
            raise ValueError(f"callsign must be 1 to 6 characters, got {call!r}")
        if not set(call.encode("ascii", "replace")) <= _CALLSIGN_CHARS:
            raise ValueError(f"callsign must be uppercase letters and digits, got {call!r}")
        if not isinstance(self.ssid, int) or not 0 <= self.ssid <= 15:
            raise ValueError(f"SSID must be 0 to 15, got {self.ssid!r}")
        if not 0 <= self.reserved <= 3:
            raise ValueError(f"reserved bits must be 0 to 3, got {self.reserved!r}")

    @classmethod
    def parse(cls, text: str) -> Address:
        """``"SAT1-1"`` or ``"WIDE1-1*"`` (``*``: repeated) to an Address; ValueError if bad."""
        repeated = text.endswith("*")
        call, _, ssid = text.rstrip("*").partition("-")
        if ssid and not ssid.isdigit():
            raise ValueError(f"SSID must be a number, got {text!r}")
        return cls(call.upper(), int(ssid) if ssid else 0, ch=True if repeated else None)

    def __str__(self) -> str:
        return self.callsign + (f"-{self.ssid}" if self.ssid else "")

    def to_bytes(self, last: bool, default_ch: bool) -> bytes:
        """The 7 on-air octets; ``last`` sets the extension bit."""
        ch = default_ch if self.ch is None else self.ch
        call = self.callsign.encode("ascii").ljust(6).translate(_SHIFT_LEFT)
        ssid_octet = (ch << 7) | (self.reserved << 5) | (self.ssid << 1) | int(last)
        return call + bytes((ssid_octet,))


@dataclass(frozen=True, slots=True)
class Frame:
    """An AX.25 UI frame (without FCS). ``control`` 0x03 or 0x13 (poll); ``pid`` 0xF0: no layer 3."""

    destination: Address
    source: Address
    digipeaters: tuple[Address, ...] = ()
    control: int = UI
    pid: int = 0xF0
    info: bytes = b""
    oddities: tuple[str, ...] = field(default=(), compare=False)
    """What a lenient decode accepted against AX.25 v2.2 (one short phrase each); empty for a
    standard frame."""

    def __post_init__(self) -> None:
        if not isinstance(self.destination, Address) or not isinstance(self.source, Address):
            raise ValueError("destination and source must be Address instances")
        object.__setattr__(self, "digipeaters", tuple(self.digipeaters))
        if len(self.digipeaters) > MAX_DIGIPEATERS_V20:
            raise ValueError(
                f"at most {MAX_DIGIPEATERS_V20} digipeaters, got {len(self.digipeaters)}"
            )
        if not all(isinstance(d, Address) for d in self.digipeaters):
            raise ValueError("digipeaters must be Address instances")
        if not isinstance(self.control, int) or self.control & ~POLL != UI:
            raise ValueError(f"only UI frames (control 0x03/0x13), got {self.control!r}")
        if not isinstance(self.pid, int) or not 0 <= self.pid <= 0xFF:
            raise ValueError(f"PID must be one octet, got {self.pid!r}")
        if not isinstance(self.info, bytes | bytearray):
            raise ValueError("info must be bytes")
        object.__setattr__(self, "info", bytes(self.info))


def encode(frame: Frame) -> bytes:
    """The frame's octets without FCS (as carried in KISS): addresses, control, PID, info."""
    addresses = (frame.destination, frame.source, *frame.digipeaters)
    parts = [
        addr.to_bytes(last=i == len(addresses) - 1, default_ch=i == 0)
        for i, addr in enumerate(addresses)
    ]
    parts.append(bytes((frame.control, frame.pid)))
    parts.append(frame.info)
    return b"".join(parts)


_SHIFT = bytes(b >> 1 for b in range(256))
_LOW_BIT = bytes(b & 1 for b in range(256))
_NO_LOW_BITS = bytes(6)
_VALID_CHARS = bytes(sorted(_CALLSIGN_CHARS))
_PRINTABLE = bytes(range(0x20, 0x7F))
_ROLES = ("destination", "source")
_setattr = object.__setattr__


def _address(octets: bytes, odd: list[str] | None = None, role: str = "") -> Address | Rejection:
    """One address; with ``odd`` (a lenient decode) a callsign of any printable ASCII and
    reserved bits other than 11 are accepted and named in ``odd``."""
    chars = octets[:6]
    if chars.translate(_LOW_BIT) != _NO_LOW_BITS:
        return Rejection(Reason.BAD_ADDRESS, "extension bit set inside a callsign")
    call = chars.translate(_SHIFT)
    stripped = call.rstrip(b" ")
    if not stripped or stripped.translate(None, _VALID_CHARS):
        if odd is None or stripped.translate(None, _PRINTABLE):
            return Rejection(Reason.BAD_CALLSIGN, f"callsign {call!r}")
        text = stripped.decode("ascii")
        odd.append(
            f"{role} callsign {text!r} outside A-Z 0-9" if text else f"{role} callsign empty"
        )
    if odd is not None and (octets[6] >> 5) & 0b11 != 0b11:
        odd.append(f"{role} SSID octet {octets[6]:#04x} without the reserved bits")
    last = octets[6]
    # already checked: build without __post_init__, which would double the cost of a decode
    address = object.__new__(Address)
    _setattr(address, "callsign", stripped.decode("ascii"))
    _setattr(address, "ssid", (last >> 1) & 0x0F)
    _setattr(address, "ch", bool(last & 0x80))
    _setattr(address, "reserved", (last >> 5) & 0b11)
    return address


def _frame(
    addresses: list[Address], control: int, pid: int, info: bytes, oddities: tuple[str, ...] = ()
) -> Frame:
    frame = object.__new__(Frame)
    _setattr(frame, "destination", addresses[0])
    _setattr(frame, "source", addresses[1])
    _setattr(frame, "digipeaters", tuple(addresses[2:]))
    _setattr(frame, "control", control)
    _setattr(frame, "pid", pid)
    _setattr(frame, "info", info)
    _setattr(frame, "oddities", oddities)
    return frame


def decode(
    data: bytes,
    max_digipeaters: int = MAX_DIGIPEATERS,
    max_info: int = MAX_INFO,
    strict: bool = True,
) -> Frame | Rejection:
    """Parse a frame without FCS into a :class:`Frame`, or say why not. Never raises.

    ``max_digipeaters`` (at most 8) and ``max_info`` (octets) bound what is accepted.
    ``strict=False`` also accepts callsigns of any printable ASCII and SSID octets without the
    reserved bits, naming each in :attr:`Frame.oddities` (see the module docstring).
    """
    max_digipeaters = min(max_digipeaters, MAX_DIGIPEATERS_V20)
    try:
        return _decode(data, max_digipeaters, max_info, None if strict else [])
    except Exception as exc:  # a guard: every rule above should have caught it first
        return Rejection(Reason.BAD_ADDRESS, f"unexpected {type(exc).__name__}: {exc}")


def _decode(
    data: bytes, max_digipeaters: int, max_info: int, odd: list[str] | None
) -> Frame | Rejection:
    if not isinstance(data, bytes | bytearray | memoryview):
        return Rejection(Reason.NOT_BYTES, type(data).__name__)
    data = bytes(data)
    if len(data) < 16:
        return Rejection(Reason.TOO_SHORT, f"{len(data)} octets, a UI frame needs 16")
    addresses: list[Address] = []
    offset = 0
    while True:
        if len(addresses) >= 2 + max_digipeaters:
            return Rejection(Reason.TOO_MANY_DIGIPEATERS, f"more than {max_digipeaters}")
        if offset + 7 > len(data):
            return Rejection(Reason.NO_ADDRESS_END, "extension bit never set")
        n = len(addresses)
        role = _ROLES[n] if n < 2 else f"digipeater {n - 1}"
        addr = _address(data[offset : offset + 7], odd, role)
        if isinstance(addr, Rejection):
            return addr
        addresses.append(addr)
        ext = data[offset + 6] & 1
        offset += 7
        if ext:
            break
    if len(addresses) < 2:
        return Rejection(Reason.BAD_ADDRESS, "address field ends after the destination")
    if len(data) < offset + 2:
        return Rejection(Reason.TOO_SHORT, "no control and PID after the address field")
    control, pid = data[offset], data[offset + 1]
    if control & ~POLL != UI:
        return Rejection(Reason.NOT_UI, f"control {control:#04x}")
    info = data[offset + 2 :]
    if len(info) > max_info:
        return Rejection(Reason.TOO_LONG, f"info {len(info)} octets > {max_info}")
    return _frame(addresses, control, pid, info, tuple(odd) if odd else ())


def from_text(text: str) -> Frame:
    """A UI frame from TNC-2 monitor format, ``SRC>DST[,DIGI[*]...]:info`` (info as Latin-1);
    ValueError if malformed. The inverse of :func:`to_text`."""
    head, sep, info = text.partition(":")
    source, arrow, path = head.partition(">")
    if not sep or not arrow or not path:
        raise ValueError(f"not SRC>DST:info: {text[:60]!r}")
    destination, *digipeaters = path.split(",")
    return Frame(
        Address.parse(destination),
        Address.parse(source),
        tuple(Address.parse(d) for d in digipeaters),
        info=info.encode("latin-1"),
    )


def to_text(frame: Frame) -> str:
    """TNC-2 monitor format, ``SRC>DST,DIGI*:info`` (info as Latin-1), for logs."""
    path = [str(frame.destination)]
    path += [str(d) + ("*" if d.ch else "") for d in frame.digipeaters]
    return f"{frame.source}>{','.join(path)}:{frame.info.decode('latin-1')}"
