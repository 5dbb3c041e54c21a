"""Clients for Hamlib's network daemons: rigctld (radio) and rotctld (antenna rotator).

Both daemons speak a line protocol over TCP (Hamlib manual, "rigctld"/"rotctld", the
"extended response protocol"): a command line prefixed with ``+`` is answered by an echo of the
command name, ``Key: value`` lines, and a final ``RPRT n`` line, ``n`` being 0 on success and a
negative Hamlib error code otherwise. Using the extended form for every command gives one
parser for every answer and an unambiguous end of each.

Robustness rules, because a station runs unattended for days:

- every socket operation has a timeout (``timeout_s``);
- a failed exchange closes the connection, reconnects and retries once (``retries``), and
  counts it in ``reconnects``; a second failure raises :class:`HamlibError` with one line;
- ``RPRT n`` with ``n != 0`` is a :class:`HamlibError` naming the command (no retry: the daemon
  answered, it refused).

Frequencies are integers in Hz on the wire (Hamlib rounds anyway). The radio's uplink is its
split transmit frequency (``S 1 VFOB`` once, then ``I``), the usual set-up for a full-duplex
satellite station (a single rig with separate TX and RX VFOs).
"""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass

__all__ = ["HamlibError", "RigClient", "RotatorClient", "parse_host_port"]


class HamlibError(RuntimeError):
    """A daemon that cannot be reached or refused a command; the message is one line."""


def parse_host_port(text: str, default_port: int) -> tuple[str, int]:
    """``HOST:PORT`` (or ``HOST``) to a pair; ValueError with one line when malformed."""
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = text, str(default_port)
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected HOST:PORT, got {text!r}")
    return host, int(port)


@dataclass
class _Reply:
    values: dict[str, str]
    lines: list[str]


class _HamlibClient:
    """One TCP connection to a Hamlib daemon, opened lazily and re-opened after a failure."""

    kind = "hamlib"

    def __init__(self, host: str, port: int, timeout_s: float = 2.0, retries: int = 1) -> None:
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        self.retries = retries
        self.reconnects = 0
        self._sock: socket.socket | None = None
        self._buffer = b""

    def _connect(self) -> socket.socket:
        if self._sock is None:
            try:
                self._sock = socket.create_connection(
                    (self.host, self.port), timeout=self.timeout_s
                )
            except OSError as exc:
                raise HamlibError(
                    f"{self.kind} at {self.host}:{self.port} unreachable: {exc}"
                ) from None
            self._sock.settimeout(self.timeout_s)
            self._buffer = b""
        return self._sock

    def close(self) -> None:
        """Say goodbye to the daemon and close the connection (idempotent)."""
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.sendall(b"q\n")
            self._sock.close()
            self._sock = None

    def _readline(self, sock: socket.socket) -> str:
        for _ in range(1000):  # bounded: one line is never that many reads
            if b"\n" in self._buffer:
                line, self._buffer = self._buffer.split(b"\n", 1)
                return line.decode("ascii", "replace").strip()
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError("daemon closed the connection")
            self._buffer += chunk
        raise ConnectionError("no end of line from the daemon")

    def _exchange(self, command: str) -> _Reply:
        sock = self._connect()
        sock.sendall(("+" + command + "\n").encode("ascii"))
        values: dict[str, str] = {}
        lines: list[str] = []
        for _ in range(100):
            line = self._readline(sock)
            if line.startswith("RPRT"):
                code = int(line.split()[1]) if len(line.split()) > 1 else -1
                if code != 0:
                    raise HamlibError(f"{self.kind} refused '{command}': RPRT {code}")
                return _Reply(values, lines)
            lines.append(line)
            key, sep, value = line.partition(":")
            if sep:
                values[key.strip()] = value.strip()
        raise ConnectionError("no RPRT line from the daemon")

    def command(self, command: str) -> _Reply:
        """Send one command (without the ``+``), return its reply; see the module's rules."""
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            try:
                return self._exchange(command)
            except HamlibError as exc:
                if self._sock is None:  # could not connect at all
                    last = exc
                else:
                    raise
            except (OSError, ConnectionError, ValueError) as exc:
                last = exc
            if self._sock is not None:
                self._sock.close()
                self._sock = None
            if attempt < self.retries:
                self.reconnects += 1
        raise HamlibError(f"{self.kind} at {self.host}:{self.port}: '{command}' failed: {last}")

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _number(reply: _Reply, key: str) -> float:
    if key in reply.values:
        return float(reply.values[key])
    for line in reply.lines:
        try:
            return float(line)
        except ValueError:
            continue
    raise HamlibError(f"no {key} in the answer {reply.lines}")


class RigClient(_HamlibClient):
    """rigctld: receive (main VFO) and transmit (split VFO) frequencies, mode."""

    kind = "rigctld"

    def __init__(
        self, host: str, port: int = 4532, timeout_s: float = 2.0, retries: int = 1
    ) -> None:
        super().__init__(host, port, timeout_s, retries)
        self._split_on = False

    def set_frequency(self, hz: float) -> None:
        """Tune the receive (main) VFO, Hz."""
        self.command(f"F {int(round(hz))}")

    def frequency(self) -> float:
        """The receive frequency the radio reports, Hz."""
        return _number(self.command("f"), "Frequency")

    def set_uplink_frequency(self, hz: float) -> None:
        """The transmit frequency, through split operation (enabled on first use)."""
        if not self._split_on:
            self.command("S 1 VFOB")
            self._split_on = True
        self.command(f"I {int(round(hz))}")

    def uplink_frequency(self) -> float:
        """The split transmit frequency the radio reports, Hz."""
        return _number(self.command("i"), "TX Frequency")

    def set_mode(self, mode: str = "FM", passband_hz: int = 0) -> None:
        """Set the mode and passband (FM for AFSK 1200 on a voice radio)."""
        self.command(f"M {mode} {int(passband_hz)}")

    def _exchange(self, command: str) -> _Reply:
        try:
            return super()._exchange(command)
        except (OSError, ConnectionError):
            self._split_on = False  # a new connection may face a restarted daemon
            raise


class RotatorClient(_HamlibClient):
    """rotctld: point at (azimuth, elevation), read back the position, park, stop."""

    kind = "rotctld"

    def __init__(
        self,
        host: str,
        port: int = 4533,
        timeout_s: float = 2.0,
        retries: int = 1,
        min_azimuth_deg: float = -180.0,
        max_azimuth_deg: float = 450.0,
    ) -> None:
        super().__init__(host, port, timeout_s, retries)
        self.min_azimuth_deg = min_azimuth_deg
        self.max_azimuth_deg = max_azimuth_deg

    def azimuth_for(self, azimuth_deg: float, current_deg: float | None = None) -> float:
        """The rotator azimuth for a compass azimuth: within the rotator's range, nearest
        to where it is now (so a track through north does not swing the long way round)."""
        candidates = [azimuth_deg % 360.0 + k * 360.0 for k in (-2, -1, 0, 1)]
        allowed = [a for a in candidates if self.min_azimuth_deg <= a <= self.max_azimuth_deg]
        if not allowed:
            raise HamlibError(f"azimuth {azimuth_deg} outside the rotator's range")
        ref = azimuth_deg % 360.0 if current_deg is None else current_deg
        return min(allowed, key=lambda a: abs(a - ref))

    def set_position(self, azimuth_deg: float, elevation_deg: float) -> None:
        """Point at a rotator azimuth (see azimuth_for) and an elevation clamped to 0..90."""
        self.command(f"P {azimuth_deg:.2f} {max(0.0, min(90.0, elevation_deg)):.2f}")

    def position(self) -> tuple[float, float]:
        """Where the rotator reports it points: (azimuth, elevation), degrees."""
        reply = self.command("p")
        return float(reply.values["Azimuth"]), float(reply.values["Elevation"])

    def park(self) -> None:
        """Send the rotator to its park position."""
        self.command("K")

    def stop(self) -> None:
        """Stop any rotator movement now."""
        self.command("S")
