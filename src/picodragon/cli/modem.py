"""The modem verbs: mod and demod, audio and SDR IQ files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from picodragon.cli.common import (
    EARLIEST_UTC,
    LATEST_UTC,
    JsonOpt,
    MissionOpt,
    ScenarioOpt,
    UserError,
    _element_set,
    input_file,
    mission_of,
    modem_app,
    number,
    output_path,
    utc_time,
    verb,
    write_json,
)


@modem_app.command("mod")
@verb
def modem_mod(
    in_path: Annotated[Path, typer.Option("--in", help="KISS stream, or one hex frame a line")],
    out_path: Annotated[Path, typer.Option("--out", help="WAV file to write")],
    sample_rate: Annotated[int, typer.Option(help="samples per second")] = 44100,
    emphasis: Annotated[bool, typer.Option("--emphasis", help="pre-emphasise (6 dB/octave), as into an FM transmitter")] = False,
    mode: Annotated[str, typer.Option(help="afsk1200, g3ruh9600 or g3ruh4800")] = "afsk1200",
) -> None:
    """Modulate AX.25 frames into AFSK 1200 (or G3RUH 9600/4800) audio."""
    from picodragon.link.modem_files import MODES, check_rate, modulate_file

    input_file(in_path, "--in")
    if mode not in MODES:
        raise UserError(f"--mode must be one of {', '.join(MODES)}, got {mode!r}")
    if not 8000 <= sample_rate <= 192000:
        raise UserError("--sample-rate must be between 8000 and 192000")
    try:
        check_rate(sample_rate, mode)
    except ValueError as exc:
        raise UserError(f"--sample-rate: {exc}") from None
    output_path(out_path, "--out", stdout_ok=False)
    try:  # the reader's ValueErrors are about the file's content, which the user gave
        count = modulate_file(in_path, out_path, sample_rate=sample_rate, emphasis=emphasis, mode=mode)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    typer.echo(f"{count} frames -> {out_path}")


def _iq_frames(wav: Path, mode: str, fix: bool, fast: bool, rate: float | None, center: float | None,
               iq_format: str | None, start: str | None, station: str | None, tle: Path | None,
               scenario: str | None, mission: Path | None) -> list[dict[str, Any]]:
    """``modem demod --iq``: the recording described (options and SigMF agreeing), the signal's
    offset from its centre (the mission's downlink minus the centre, plus the pass's Doppler
    with --start/--station), then the link's IQ receiver and modem."""
    from picodragon.link.iq import (
        FORMATS,
        MAX_RATE_HZ,
        MIN_RATE_HZ,
        OffsetCurve,
        demodulate_iq,
        open_recording,
    )

    if rate is not None:
        number(rate, "--rate", MIN_RATE_HZ, MAX_RATE_HZ)
    if center is not None:
        number(center, "--center", 0, 1e12, low_open=True)
    if iq_format is not None and iq_format not in FORMATS:
        raise UserError(f"--format must be one of {', '.join(FORMATS)}, got {iq_format!r}")
    begin = utc_time(start, "--start") if start is not None else None
    doppler = station is not None or start is not None
    if tle is not None and not doppler:
        raise UserError("--tle is for the Doppler correction: give --start and --station too")
    try:  # the reader's ValueErrors are about the files and options the user gave
        recording = open_recording(wav, fmt=iq_format, sample_rate_hz=rate, center_hz=center, start=begin)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    offset = None
    if doppler or center is not None or mission is not None or scenario is not None:
        from picodragon.astro.isotime import iso_z
        from picodragon.config import parse_station
        from picodragon.ground.iq_doppler import recording_doppler

        scn = mission_of(mission, scenario).scenario
        downlink = scn.spacecraft.radio.downlink_frequency_hz
        centre = recording.center_hz if recording.center_hz is not None else downlink
        offset = OffsetCurve.fixed(downlink - centre)
        if doppler:
            if recording.start is None:
                raise UserError("--station: the Doppler correction needs the time of the first sample: "
                                "give --start ISO (or a SigMF file with core:datetime)")
            if not EARLIEST_UTC <= recording.start < LATEST_UTC:
                raise UserError(f"the recording's start {iso_z(recording.start)} lies outside "
                                "1957-10-04 to 2053-01-01 (the span of the ephemeris)")
            site = parse_station(station, scn) if station is not None else scn.stations[0]
            curve = recording_doppler(_element_set(scn, tle), site, recording.start, recording.duration_s,
                                      downlink, centre)
            if not curve.visible:
                typer.echo(f"picodragon: note: the spacecraft is below {site.name}'s horizon throughout "
                           "the recording", err=True)
            offset = curve.offset
    try:
        return demodulate_iq(recording, mode=mode, offset=offset, fix=fix, fast=fast)
    except ValueError as exc:
        raise UserError(str(exc)) from None


@modem_app.command("demod")
@verb
def modem_demod(
    wav: Annotated[Path, typer.Argument(help="audio file to decode (WAV, FLAC, OGG...), or an SDR IQ file with --iq")],
    fix: Annotated[bool, typer.Option("--fix", help="repair frames whose FCS fails by flipping unreliable bits (AFSK)")] = False,
    fast: Annotated[bool, typer.Option("--fast", help="5 demodulators instead of 19 (AFSK)")] = False,
    mode: Annotated[str | None, typer.Option(
        help="afsk1200, g3ruh9600, g3ruh4800, or auto (each the rate can carry) [default: with --iq and "
        "--mission/--scenario the mission radio's mode, else afsk1200]")] = None,
    json_path: JsonOpt = None,
    iq: Annotated[bool, typer.Option("--iq", help="the file is SDR IQ: cu8, cs8, cs16 or cf32 (a SigMF "
                                     ".sigmf-meta beside it is read)")] = False,
    rate: Annotated[float | None, typer.Option(help="IQ sample rate, Hz [default: the SigMF file's]")] = None,
    center: Annotated[float | None, typer.Option(
        help="IQ centre frequency, Hz [default: the SigMF file's, else the mission's downlink]")] = None,
    iq_format: Annotated[str | None, typer.Option(
        "--format", help="IQ sample format: cu8, cs8, cs16, cf32 [default: the file name's or SigMF's]")] = None,
    start: Annotated[str | None, typer.Option(
        help="ISO 8601 UTC of the first IQ sample: corrects the pass's Doppler [default: SigMF's]")] = None,
    station: Annotated[str | None, typer.Option(
        help="the recording's station, name or LAT,LON[,ALT_M]: corrects the pass's Doppler")] = None,
    tle: Annotated[Path | None, typer.Option(help="TLE file for the Doppler [default: the mission's spacecraft]")] = None,
    scenario: ScenarioOpt = None,
    mission: MissionOpt = None,
) -> None:
    """Demodulate AFSK 1200 (or G3RUH 9600/4800) audio, or SDR IQ with --iq, into AX.25 frames."""
    from picodragon.link.modem_files import MODES, demodulate_file

    input_file(wav, "IQ file" if iq else "WAV file")
    if mode is None:  # a mission's recording is in the mission radio's mode
        given_mission = iq and (mission is not None or scenario is not None)
        mode = mission_of(mission, scenario).scenario.spacecraft.radio.modem_mode if given_mission else "afsk1200"
    if mode not in (*MODES, "auto"):
        raise UserError(f"--mode must be one of {', '.join(MODES)}, auto; got {mode!r}")
    output_path(json_path, "--json")
    if iq:
        frames = _iq_frames(wav, mode, fix, fast, rate, center, iq_format, start, station, tle, scenario, mission)
    else:
        given = [name for name, value in (("--rate", rate), ("--center", center), ("--format", iq_format),
                                          ("--start", start), ("--station", station), ("--tle", tle),
                                          ("--scenario", scenario), ("--mission", mission)) if value is not None]
        if given:
            raise UserError(f"{given[0]} applies to SDR IQ files: add --iq")
        try:  # the reader's ValueErrors are about the file's content, which the user gave
            frames = demodulate_file(wav, fix=fix, fast=fast, mode=mode)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    if json_path != "-":
        for f in frames:
            typer.echo(f"{f['source']}>{f['destination']}: {f['info']}")
        typer.echo(f"{len(frames)} frames decoded")
    write_json(json_path, frames)
