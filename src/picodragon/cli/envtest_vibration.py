"""Verbs ``picodragon envtest vibe`` (random vibration) and ``picodragon envtest sine`` (survey).

``vibe`` judges a random run against a spec: an accelerometer FILE (CSV, WAV, TDMS, UFF 58) or,
with ``--generate``, a run made from the mission's structural model with a seed (known truth).
``sine`` analyses a signature survey the same two ways and, with ``--compare PRE.json``, judges
it against an earlier survey's result. Both print the verdicts and write the result
(``envtest.results``) with ``--json FILE|-``. Bad input (a broken CSV, wrong or missing units, a
PSD with gaps, a sample rate too low for the band, a foreign JSON) is one line, exit 2, and
nothing written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from picodragon.cli.common import (
    JsonOpt,
    MissionOpt,
    ScenarioOpt,
    UserError,
    input_file,
    mission_of,
    number,
    output_path,
    simulated,
    verb,
    write_json,
)
from picodragon.cli.envtest import envtest_app

FileArg = Annotated[Path | None, typer.Argument(
    help="accelerometer time histories: .csv (header 'time \\[s], control \\[g], ...'), .wav, .tdms, "
         ".uff/.unv (control channel first); omit with --generate")]
AxisOpt = Annotated[str, typer.Option("--axis", help="axis excited: X, Y or Z")]
GenerateOpt = Annotated[bool, typer.Option(
    "--generate", help="make the run from the mission's structural model instead of reading FILE")]
SeedOpt = Annotated[int, typer.Option("--seed", help="random seed of a generated run")]
ControlOpt = Annotated[str | None, typer.Option(
    "--control", help="name of the control (shaker) channel [default: the first]")]
FullScaleOpt = Annotated[float | None, typer.Option(
    "--g-full-scale", help="WAV only: the acceleration (g) full scale stands for")]
DamageOpt = Annotated[str | None, typer.Option(
    "--damage", help="generated runs: a loosened joint as JOINT:DROP, e.g. stack:0.10 (joints: "
                     "rails, stack, battery, camera, panels)")]


def _errors() -> tuple[type[BaseException], ...]:
    from picodragon.envtest.accel_files import AccelFileError
    from picodragon.envtest.results import ResultError
    from picodragon.envtest.specs import SpecError
    from picodragon.envtest.vibration import VibrationError

    return (AccelFileError, ResultError, SpecError, VibrationError)


def _spec(name: str, kind: str) -> Any:
    from picodragon.envtest.specs import load_spec

    spec = load_spec(name)
    if spec.kind != kind:
        raise UserError(f"--spec {name} is a {spec.kind} spec; this verb needs a {kind} one")
    return spec


def _axis(axis: str) -> str:
    if axis not in ("X", "Y", "Z"):
        raise UserError(f"--axis must be X, Y or Z (got {axis})")
    return axis


def _damage(text: str | None) -> dict[str, Any] | None:
    from picodragon.envtest.structure import JOINTS

    if text is None:
        return None
    joint, _, drop = text.partition(":")
    if joint not in JOINTS:
        raise UserError(f"--damage: joint must be one of {', '.join(JOINTS)} (got {joint or 'nothing'})")
    try:
        value = float(drop)
    except ValueError:
        raise UserError(f"--damage: the drop after ':' must be a number in [0, 1) (got {drop!r})") from None
    number(value, "--damage drop", 0.0, 0.99)
    return {"joint": joint, "stiffness_drop": value}


def _model(mission: Path | None, scenario: str | None, damage: dict | None) -> Any:
    from picodragon.envtest.structure import model_for

    return model_for(simulated(mission_of(mission, scenario)).scenario, damage=damage)


def _read(file: Path | None, generate: bool, control: str | None, g_full_scale: float | None) -> Any:
    from picodragon.envtest.accel_files import read_recording

    if generate and file is not None:
        raise UserError("give either FILE or --generate, not both")
    if not generate and file is None:
        raise UserError("give an accelerometer FILE, or --generate to make a run from the model")
    if generate:
        return None
    input_file(file, "FILE")
    return read_recording(file, control=control, g_full_scale=g_full_scale)


def _emit(res: dict[str, Any], json_path: str | None) -> None:
    from picodragon.envtest.results import to_json

    if json_path != "-":
        for v in res["verdicts"]:
            mark = "PASS" if v["passed"] else "FAIL"
            typer.echo(f"{mark}  {v['criterion']}: {v['value']} (limit {v['limit']} {v['unit']}) "
                       f"[{v['source']}]")
        for name, t in res["tables"].items():
            typer.echo(f"{name}: " + "; ".join(", ".join(str(c) for c in row) for row in t["rows"]))
    write_json(json_path, json.loads(to_json(res)))


@envtest_app.command("vibe")
@verb
def vibe(
    file: FileArg = None,
    spec: Annotated[str, typer.Option("--spec", help="random spec: a packaged name or a TOML file")] = (
        "gevs-qualification"),
    axis: AxisOpt = "X",
    generate: GenerateOpt = False,
    seed: SeedOpt = 1,
    duration: Annotated[float | None, typer.Option(
        "--duration", help="generated runs: seconds [default: the spec's duration per axis]")] = None,
    fs: Annotated[float, typer.Option("--fs", help="generated runs: sample rate (Hz)")] = 5120.0,
    resolution: Annotated[float, typer.Option("--resolution", help="PSD line spacing (Hz)")] = 2.5,
    control: ControlOpt = None,
    g_full_scale: FullScaleOpt = None,
    damage: DamageOpt = None,
    mission: MissionOpt = None,
    scenario: ScenarioOpt = None,
    json_path: JsonOpt = None,
) -> None:
    """Random vibration: the control PSD against the spec's tolerance and abort bands, Grms of
    every channel, the first natural frequency against the deployer minimum (when the spec sets
    one); generated runs add the joints' fatigue damage (Dirlik)."""
    from picodragon.envtest.vibration import analyse_random, generate_run

    output_path(json_path, "--json")
    _axis(axis)
    number(resolution, "--resolution", 0.0, 100.0, low_open=True)
    try:
        the_spec = _spec(spec, "random")
        recording, model = _read(file, generate, control, g_full_scale), None
        if recording is None:
            number(fs, "--fs", 0.0, 1e6, low_open=True)
            if duration is not None:
                number(duration, "--duration", 0.0, 3600.0, low_open=True)
            model = _model(mission, scenario, _damage(damage))
            recording = generate_run(model, the_spec, axis, seed, duration, fs)
        recording.axis = axis
        res = analyse_random(recording, the_spec, resolution_hz=resolution, model=model)
    except _errors() as exc:
        raise UserError(str(exc)) from None
    _emit(res, json_path)


@envtest_app.command("sine")
@verb
def sine(
    file: FileArg = None,
    spec: Annotated[str, typer.Option("--spec", help="sine survey spec: a packaged name or a TOML file")] = (
        "sine-survey"),
    axis: AxisOpt = "X",
    generate: GenerateOpt = False,
    seed: SeedOpt = 1,
    fs: Annotated[float, typer.Option("--fs", help="generated runs: sample rate (Hz)")] = 5120.0,
    compare: Annotated[Path | None, typer.Option(
        "--compare", help="an earlier survey's JSON result (from --json): judge this one against it")] = None,
    control: ControlOpt = None,
    g_full_scale: FullScaleOpt = None,
    damage: DamageOpt = None,
    mission: MissionOpt = None,
    scenario: ScenarioOpt = None,
    json_path: JsonOpt = None,
) -> None:
    """Sine signature survey: frequency responses and the identified modes (frequency, damping);
    with --compare, the pre/post comparison against the spec's criteria (kind modal_comparison)."""
    from picodragon.envtest.modal import analyse_sine, sine_survey
    from picodragon.envtest.modal import compare as compare_surveys
    from picodragon.envtest.results import load

    output_path(json_path, "--json")
    _axis(axis)
    try:
        the_spec = _spec(spec, "sine")
        pre = None
        if compare is not None:
            input_file(compare, "--compare")
            pre = load(compare)
            if pre.kind != "sine":
                raise UserError(f"--compare: {compare} is a {pre.kind} result, not a sine survey")
        recording = _read(file, generate, control, g_full_scale)
        if recording is None:
            number(fs, "--fs", 0.0, 1e6, low_open=True)
            recording = sine_survey(_model(mission, scenario, _damage(damage)), the_spec, axis, seed, fs)
        else:
            recording.band_hz = the_spec.band_hz
            recording.spec = the_spec.name
        recording.axis = axis
        res = analyse_sine(recording)
        if pre is not None:
            res = compare_surveys(pre.to_dict(), res, the_spec.comparison)
    except _errors() as exc:
        raise UserError(str(exc)) from None
    _emit(res, json_path)
