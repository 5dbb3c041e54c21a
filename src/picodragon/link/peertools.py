"""Run the Debian AFSK decoders we measure ourselves against, and read what they print.

Direwolf's ``atest`` (``-h`` dumps each frame in hex) and ``multimon-ng -a AFSK1200`` (one
``AFSK1200: fm SRC to DST ...`` line a frame). Used by tests/peers and bench/modem.py; the
programs are optional, callers check that they are installed.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_HEX_LINE = re.compile(r"^\s+[0-9a-f]{3}:\s+((?:[0-9a-f]{2} )+)")
_MULTIMON = re.compile(r"^AFSK1200: fm (\S+) to (\S+)")


def parse_atest(text: str) -> list[bytes]:
    """Frames (AX.25 octets without FCS) from ``atest -h`` output, in order."""
    frames: list[bytes] = []
    current: list[str] | None = None
    for line in _ANSI.sub("", text).splitlines():
        match = _HEX_LINE.match(line)
        if match:
            if current is None:
                current = []
            current.extend(match.group(1).split())
        elif current is not None:
            frames.append(bytes.fromhex("".join(current)))
            current = None
    if current:
        frames.append(bytes.fromhex("".join(current)))
    return frames


def run_atest(wav: str | Path, fix_bits: int = 0, timeout: float = 120.0) -> list[bytes]:
    """Decode a WAV file with Direwolf's atest; its frames, byte for byte."""
    result = subprocess.run(
        ["atest", "-h", "-F", str(fix_bits), str(wav)],
        capture_output=True, timeout=timeout, check=False,
    )  # fmt: skip
    return parse_atest(result.stdout.decode("latin-1"))


def count_atest(
    wav: str | Path, fix_bits: int = 0, profile: str | None = None, timeout: float = 120.0
) -> int:
    """How many frames atest decodes (its own summary line); ``profile`` as atest's ``-P``
    (e.g. ``"E+"``: several slicers)."""
    args = ["atest", "-F", str(fix_bits)] + (["-P", profile] if profile else []) + [str(wav)]
    result = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    match = re.search(r"(\d+) packets decoded", _ANSI.sub("", result.stdout.decode("latin-1")))
    return int(match.group(1)) if match else 0


def parse_multimon(text: str) -> list[dict[str, str]]:
    """``{source, destination, info}`` for each AFSK1200 frame multimon-ng printed."""
    frames: list[dict[str, str]] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        match = _MULTIMON.match(line)
        if match:
            info = lines[i + 1] if i + 1 < len(lines) and not _MULTIMON.match(lines[i + 1]) else ""
            frames.append({"source": match.group(1), "destination": match.group(2), "info": info})
    return frames


def run_multimon(wav: str | Path, timeout: float = 120.0) -> list[dict[str, str]]:
    """Decode a WAV file with ``multimon-ng -a AFSK1200`` (it resamples through sox)."""
    result = subprocess.run(
        ["multimon-ng", "-q", "-t", "wav", "-c", "-a", "AFSK1200", str(wav)],
        capture_output=True, timeout=timeout, check=False,
    )  # fmt: skip
    return parse_multimon(result.stdout.decode("latin-1"))


def run_multimon_cw(wav: str | Path, timeout: float = 60.0) -> str:
    """The text ``multimon-ng -a MORSE_CW`` reads from a WAV file, spaces normalised."""
    result = subprocess.run(
        ["multimon-ng", "-q", "-t", "wav", "-c", "-a", "MORSE_CW", str(wav)],
        capture_output=True, timeout=timeout, check=False,
    )  # fmt: skip
    return " ".join(result.stdout.decode("latin-1").split())


def count_atest_args(wav: str | Path, args: list[str], timeout: float = 120.0) -> int:
    """How many frames ``atest ARGS WAV`` decodes (e.g. ``["-B", "9600", "-P", "+"]``, or
    ``["-g", "-B", "4800"]`` for G3RUH at 4800: plain ``-B 4800`` is Direwolf's 8PSK)."""
    result = subprocess.run(
        ["atest", *args, str(wav)], capture_output=True, timeout=timeout, check=False
    )
    match = re.search(r"(\d+) packets decoded", _ANSI.sub("", result.stdout.decode("latin-1")))
    return int(match.group(1)) if match else 0


def run_atest_args(wav: str | Path, args: list[str], timeout: float = 120.0) -> list[bytes]:
    """The frames (AX.25 octets without FCS) ``atest -h ARGS WAV`` decodes, byte for byte."""
    result = subprocess.run(
        ["atest", "-h", *args, str(wav)], capture_output=True, timeout=timeout, check=False
    )
    return parse_atest(result.stdout.decode("latin-1"))


GR_SATELLITES = ("/usr/bin/python3", "/usr/bin/gr_satellites")
"""gr-satellites from the Debian package runs with Debian's own Python (it needs gnuradio's)."""

_GR_HEX = re.compile(r"^[0-9a-f]{4}:((?: [0-9a-f]{2})+)\s*$")


def parse_gr_satellites(text: str) -> list[bytes]:
    """Frames from ``gr_satellites --hexdump`` output: each PDU's ``0000: 9c 68 ...`` lines,
    until the ``*****`` line that closes its debug print."""
    frames: list[bytes] = []
    current: list[str] = []
    for line in text.splitlines():
        match = _GR_HEX.match(line.strip())
        if match:
            current.extend(match.group(1).split())
        elif line.startswith("*****") and current:
            frames.append(bytes.fromhex("".join(current)))
            current = []
    if current:
        frames.append(bytes.fromhex("".join(current)))
    return frames


def run_gr_satellites(satellite: str, wav: str | Path, timeout: float = 300.0) -> list[bytes]:
    """Decode a recording with ``gr_satellites SATELLITE --wavfile WAV --hexdump``; its frames."""
    result = subprocess.run(
        [*GR_SATELLITES, satellite, "--wavfile", str(wav), "--hexdump"],
        capture_output=True, timeout=timeout, check=False,
    )  # fmt: skip
    return parse_gr_satellites(result.stdout.decode("latin-1"))


def gr_satellites_works() -> bool:
    """Whether gr-satellites is installed and its Python finds gnuradio."""
    try:
        result = subprocess.run(
            [*GR_SATELLITES, "--version"], capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0
