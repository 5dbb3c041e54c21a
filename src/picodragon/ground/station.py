"""A ground station's receive chain: AX.25 frame -> space packet -> engineering values -> archive.

Raw data first (the Yamcs rule): every frame that reaches :meth:`GroundStation.receive` is
archived as it came, with the station, time and frequency, before anything tries to make sense
of it, so a later, better decoder can replay the archive. Decoding never raises: bytes that are
not AX.25, or whose information field is not a packet of the dictionary, give a
:class:`Rejection` that names the stage and the reason, and the raw frame is kept with it.

The downlink is not authenticated (an amateur band: anyone can transmit anything), so the
station treats every frame as untrusted before it becomes ground state. A station built with the
mission's spacecraft callsigns archives frames from any other source as rejected (stage
``source``) and decodes nothing of them; one built without (``spacecraft_callsigns=None``: unit
tests, a receive-only listener of any satellite) accepts every source, and says so in the log
once. A station given the mission's start rejects a packet stamped before it (less
:data:`EARLIEST_MARGIN_S`) or later than its reception (plus :data:`FUTURE_MARGIN_S`): it is
archived as rejected (stage ``time``), since
such a time stamp is a clock fault or a forgery, and would otherwise hold the "latest" values
and the alarms for years. Frames longer than any AX.25 frame are cut to
:data:`MAX_ARCHIVED_OCTETS` and rejected (stage ``input``), so one frame cannot fill the archive.
Every rejection keeps the raw frame (or its head) with the reason in ``frames.rejection``.

The station decodes with its mission's ``Dictionary`` (``dictionary=``; by default the one its
archive remembers, else the core dictionary): the mission's own packets, its events'
messages, its file-chunk header, looked up by name and APID on that object.

Packets are then offered to listeners (alarms, command verification, file reassembly), each
guarded so a failing listener is logged and never stops reception.

A satellite that does not speak space packets (a receive-only mission's: another team's
spacecraft) is decoded whole by a ``frame_decoder`` (``picodragon.ground.kaitai.KaitaiDecoder``,
a satnogs-decoders Kaitai struct): each frame it accepts becomes one row of the dictionary packet
the decoder names, stamped with its reception time (such frames carry no CUC time); one it
refuses is archived as rejected (stage ``kaitai``). The source filter applies as before, on a
leniently parsed AX.25 header (satellites bend the address rules: Quetzal-1 sends blank ones).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from picodragon.dictionary import Dictionary, Packet, TelemetryPacket
from picodragon.dictionary import Rejection as PacketRejection
from picodragon.dictionary.files import FileChunk, decode_file_chunk
from picodragon.ground.archive import Archive
from picodragon.ground.decoder import decoder_for
from picodragon.link import ax25

log = logging.getLogger(__name__)

#: destination (7), source (7), control, PID: the header of a UI frame without digipeaters
HEADER_OCTETS = 16
MAX_REMEMBERED_HEADERS = 256
#: how long before the mission's start a packet may be stamped: an on-board clock set before
#: launch, or a day of time-zone or epoch slip, is still the spacecraft's clock; older is not
EARLIEST_MARGIN_S = 86400.0
#: how far past its reception a packet may be stamped: a quartz RTC off by 20 ppm gains under
#: 2 s a day, so 5 minutes covers months of uncorrected drift and a station clock a minute off;
#: a later stamp is a clock fault or a forgery, and must not become the newest data on record
FUTURE_MARGIN_S = 300.0
#: the longest frame archived whole: well above any AX.25 frame (16 header octets, 8
#: digipeaters of 7, 256 of information); longer input is cut to this and rejected
MAX_ARCHIVED_OCTETS = 1024


@dataclass(frozen=True)
class Decoded:
    """A frame decoded down to engineering values (``values``) and archived under ``frame_id``."""

    frame_id: int
    station: str
    received_unix_s: float
    source: str
    destination: str
    packet: TelemetryPacket
    #: the file chunk a FILE_CHUNK packet carried (its ``values`` are empty)
    chunk: FileChunk | None = None

    @property
    def name(self) -> str:
        """The packet's name in the dictionary."""
        return self.packet.name

    @property
    def values(self) -> dict[str, float]:
        """The packet's engineering values by field name."""
        return self.packet.values

    @property
    def unix_s(self) -> float:
        """On-board time of the packet (its CUC time stamp)."""
        return self.packet.unix_s


@dataclass(frozen=True)
class Rejection:
    """A frame that could not be decoded: at which ``stage`` ('ax25', 'packet'), and why.

    The raw frame is archived all the same, under ``frame_id``.
    """

    frame_id: int
    station: str
    stage: str
    reason: str
    values: dict = field(default_factory=dict)


Listener = Callable[[Decoded], None]


class FrameDecoder(Protocol):
    """Decodes a whole frame into one dictionary packet's values (``ground.kaitai.KaitaiDecoder``)."""

    @property
    def packet(self) -> Packet: ...

    def decode(self, frame: bytes) -> dict[str, float] | object:
        """The packet's values, or a rejection with a ``reason``; never raises."""
        ...


def _event_message(values: dict[str, float], dictionary: Dictionary) -> tuple[str, int, str]:
    """(name, severity, message) of an EVENT_REPORT's values, from the dictionary's events."""
    event_id = int(values.get("event_id", -1))
    arg0, arg1 = values.get("arg0"), values.get("arg1")
    args = {"arg0": "?" if arg0 != arg0 else int(arg0), "arg1": "?" if arg1 != arg1 else int(arg1)}
    event = dictionary.event_by_id(event_id)
    if event is None:
        return (
            f"EVENT_{event_id}",
            int(values.get("severity", 1)),
            f"unknown event {event_id} {args}",
        )
    try:
        message = event.template.format(**args)
    except (KeyError, IndexError, ValueError):
        message = event.template
    return event.name, int(event.severity), message


class GroundStation:
    """One receiving station writing into a (possibly shared) archive.

    ``frequency_hz`` is the nominal downlink; a station with a Doppler-tuned radio sets
    ``tuned_hz`` as it retunes, and that is what the receptions record.
    ``spacecraft_callsigns`` are the sources this mission's spacecraft transmit from
    (``"SAT1"``, ``"SAT1-1"``; an SSID of 0 is the bare callsign); None accepts any source
    (permissive: only where no mission is configured). ``mission_start_unix_s`` (the
    deployment) turns on the check of packet times (not before it, less a margin; not after
    their reception, plus a margin); None: no check (unit tests that replay old packets).
    ``dictionary`` is the mission's (its packets, events, file-chunk header); None takes the
    one the archive remembers (``Archive.dictionary()``: the core one for an archive without).
    ``frame_decoder`` decodes whole frames (a receive-only mission's Kaitai struct) instead of
    space packets.
    """

    def __init__(
        self,
        name: str,
        archive: Archive,
        frequency_hz: float,
        spacecraft_callsigns: Iterable[str] | None = None,
        mission_start_unix_s: float | None = None,
        *,
        dictionary: Dictionary | None = None,
        frame_decoder: FrameDecoder | None = None,
    ) -> None:
        self.name = name
        self.frame_decoder = frame_decoder
        self.dictionary = archive.dictionary() if dictionary is None else dictionary
        self._decoder = decoder_for(self.dictionary)
        chunk_header = self.dictionary.chunk_header
        self._chunk_apid = None if chunk_header is None else chunk_header.apid
        self._chunk_name = "" if chunk_header is None else chunk_header.name
        self.archive = archive
        self.frequency_hz = float(frequency_hz)
        self.tuned_hz: float | None = None
        self.listeners: list[Listener] = []
        self.counts = {"frames": 0, "decoded": 0, "rejected": 0}
        self._headers: dict[bytes, tuple[str, str]] = {}
        self.sources: frozenset[str] | None = None
        if spacecraft_callsigns is not None:
            self.sources = frozenset(str(ax25.Address.parse(c)) for c in spacecraft_callsigns)
        else:
            log.info("station %s accepts frames from any source: no spacecraft callsign given", name)
        self.check_times = mission_start_unix_s is not None
        self.earliest_unix_s = (
            -math.inf if mission_start_unix_s is None else float(mission_start_unix_s) - EARLIEST_MARGIN_S
        )

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(decoded)`` for every decoded packet (errors logged, never raised)."""
        self.listeners.append(listener)

    def _ax25(self, raw: bytes):
        """(source, destination, info) of an AX.25 UI frame, or the link room's rejection.

        ``picodragon.link.ax25.decode`` does the work. Its answer for a frame without
        digipeaters depends only on the first 16 octets (two addresses, control, PID) and on
        the length of what follows, so the station remembers the addresses of the few headers
        it hears (a satellite sends one or two) and skips re-parsing them: this halves the cost
        of a frame at ingest rates.
        """
        key = raw[:HEADER_OCTETS]
        known = self._headers.get(key)
        if known is not None and len(raw) - HEADER_OCTETS <= ax25.MAX_INFO:
            return known[0], known[1], raw[HEADER_OCTETS:]
        frame = ax25.decode(raw)
        if not isinstance(frame, ax25.Frame):
            return frame
        if (
            not frame.digipeaters
            and len(raw) - len(frame.info) == HEADER_OCTETS
            and len(self._headers) < MAX_REMEMBERED_HEADERS
        ):
            self._headers[key] = (str(frame.source), str(frame.destination))
        return str(frame.source), str(frame.destination), frame.info

    def _reject(
        self, raw: bytes, unix_s: float, frequency: float, stage: str, reason: str
    ) -> Rejection:
        """Archive a frame that does not become ground state, with why; count it."""
        fid = self.archive.store_frame(raw, self.name, unix_s, frequency, f"{stage}: {reason}")
        self.counts["rejected"] += 1
        return Rejection(fid, self.name, stage, reason)

    def receive(self, frame: bytes, unix_s: float) -> Decoded | Rejection:
        """Archive one frame (AX.25 without FCS, as from KISS) and decode it; never raises."""
        self.counts["frames"] += 1
        try:
            raw = bytes(frame)
        except Exception:  # not bytes at all: nothing to archive
            self.counts["rejected"] += 1
            return Rejection(0, self.name, "input", f"not bytes: {type(frame).__name__}")
        try:
            unix_s = float(unix_s)
        except (TypeError, ValueError):
            unix_s = math.nan
        if not math.isfinite(unix_s):  # the station's own clock: nothing to file the frame under
            self.counts["rejected"] += 1
            return Rejection(0, self.name, "input", f"reception time {unix_s} is not finite")
        frequency = self.tuned_hz if self.tuned_hz is not None else self.frequency_hz
        if len(raw) > MAX_ARCHIVED_OCTETS:
            reason = f"{len(raw)} octets, longer than any AX.25 frame (first {MAX_ARCHIVED_OCTETS} kept)"
            return self._reject(raw[:MAX_ARCHIVED_OCTETS], unix_s, frequency, "input", reason)
        if self.frame_decoder is not None:
            return self._receive_whole(raw, unix_s, frequency)
        ax = self._ax25(raw)
        if not isinstance(ax, tuple):
            return self._reject(raw, unix_s, frequency, "ax25", str(ax))
        source, destination, info = ax
        if self.sources is not None and source not in self.sources:
            reason = f"{source} is not one of the mission's spacecraft ({', '.join(sorted(self.sources))})"
            return self._reject(raw, unix_s, frequency, "source", reason)
        packet = self._decoder.decode(info)
        chunk = None
        if (
            isinstance(packet, PacketRejection)
            and info[:2]
            and (int.from_bytes(info[:2], "big") & 0x7FF) == self._chunk_apid
        ):
            chunk = decode_file_chunk(info)
            if not isinstance(chunk, PacketRejection):
                packet = TelemetryPacket(
                    self._chunk_name, self._chunk_apid, chunk.sequence, chunk.unix_s, {}
                )
            else:
                packet, chunk = chunk, None
        if isinstance(packet, PacketRejection):
            return self._reject(raw, unix_s, frequency, "packet", packet.reason)
        stamped = packet.unix_s
        if self.check_times and not self.earliest_unix_s <= stamped <= unix_s + FUTURE_MARGIN_S:
            when = "before the mission" if stamped < self.earliest_unix_s else "in the future"
            reason = f"{packet.name} stamped {stamped:.0f}, {when} (received {unix_s:.0f})"
            return self._reject(raw, unix_s, frequency, "time", reason)
        # One transaction for the frame and every row decoded from it (telemetry, event, and
        # what the listeners derive: file chunks, command stages, alarms): a crash, even kill -9,
        # keeps all of them or none, never a frame without what it said. Inside a caller's batch
        # this joins the caller's transaction.
        with self.archive.batch():
            fid = self.archive.store_frame(raw, self.name, unix_s, frequency)
            if packet.values:
                self.archive.store_points(fid, packet.name, packet.unix_s, packet.values)
            if packet.name == "EVENT_REPORT":
                name, severity, message = _event_message(packet.values, self.dictionary)
                self.archive.store_event(packet.unix_s, name, severity, message, "spacecraft", fid)
            decoded = self._hand_on(
                Decoded(fid, self.name, float(unix_s), source, destination, packet, chunk))
        return decoded

    def receive_many(self, frames: Sequence[bytes], times: Sequence[float]) -> list[Decoded | Rejection]:
        """Archive and decode many frames (a KISS log, a recording, a SatNOGS dump replayed);
        never raises on their content.

        The results, counts, rows and rejections are those of :meth:`receive` called on each
        frame in turn, which is what it does (tests/ground/test_receive_many.py checks it on
        mixed input), inside one archive batch: the frames of one call commit together, in one
        transaction (inside a caller's batch, in the caller's), a frame never without what was
        decoded from it. Listeners are called for every decoded frame in order.

        Why no bulk path: one that decoded a recording's telemetry a column per field (numpy)
        and archived it a list of rows per table was measured slower than this loop once a
        packet's decoding became one generated function and a batch cheap (200,000 frames:
        SQLite 47.7k against 55.9k frames per CPU second, PostgreSQL 42.7k against 48.1k with
        the server's CPU), and was removed.
        """
        frames, times = list(frames), list(times)
        if len(frames) != len(times):
            raise ValueError(f"{len(frames)} frames but {len(times)} times")
        receive = self.receive
        with self.archive.batch():
            return [receive(frame, unix_s) for frame, unix_s in zip(frames, times, strict=True)]

    def _hand_on(self, decoded: Decoded) -> Decoded:
        """Count a decoded frame and give it to every listener (one failing stops no other)."""
        self.counts["decoded"] += 1
        for listener in self.listeners:
            try:
                listener(decoded)
            except Exception:
                log.exception("listener %r failed on frame %d", listener, decoded.frame_id)
        return decoded

    def _receive_whole(self, raw: bytes, unix_s: float, frequency: float) -> Decoded | Rejection:
        """A frame decoded whole by the frame decoder: one row of its packet, or a rejection."""
        frame = ax25.decode(raw, strict=False)
        source, destination = ("", "") if not isinstance(frame, ax25.Frame) else (
            str(frame.source), str(frame.destination))
        if self.sources is not None and source not in self.sources:
            reason = f"{source or 'a blank source'} is not one of the mission's spacecraft " \
                     f"({', '.join(sorted(self.sources))})"
            return self._reject(raw, unix_s, frequency, "source", reason)
        decoder = self.frame_decoder
        assert decoder is not None
        try:
            values = decoder.decode(raw)
        except Exception as exc:  # a decoder that breaks its promise still cannot stop reception
            log.exception("frame decoder %r failed", decoder)
            values = f"decoder failed: {type(exc).__name__}"
        if not isinstance(values, dict):
            reason = str(getattr(values, "reason", values))
            return self._reject(raw, unix_s, frequency, "kaitai", reason)
        packet = TelemetryPacket(decoder.packet.name, decoder.packet.apid, 0, unix_s, values)
        with self.archive.batch():
            fid = self.archive.store_frame(raw, self.name, unix_s, frequency)
            self.archive.store_points(fid, packet.name, unix_s, values)
            decoded = self._hand_on(Decoded(fid, self.name, float(unix_s), source, destination, packet))
        return decoded
