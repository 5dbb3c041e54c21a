"""The campaign's control flow (envtest.campaign) with the rooms' functions replaced by fakes.

The fakes return the contract's shapes (tests/envtest/campaign_fixtures.py) and record what
they were called with, so the order of the steps, the seeds, which model each survey sees and
what happens when a module is missing are checked without running the physics.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from picodragon.envtest import campaign as C
from picodragon.envtest import results as R
from tests.envtest import campaign_fixtures as F


class Fakes:
    """Stand-ins for envtest.specs/structure/vibration/modal/tvac_profile/tvac/correlation."""

    def __init__(self, missing: tuple[str, ...] = ()) -> None:
        self.calls: list[tuple] = []
        self.missing = missing

    def module(self, name: str, *functions: str):
        if name in self.missing:
            raise C.StepMissing(f"envtest.{name} is not in this build")
        calls = self.calls

        def model_for(scenario, damage=None):
            calls.append(("model_for", damage))
            return SimpleNamespace(damaged=bool(damage))

        def sine_survey(model, spec, axis, seed):
            calls.append(("sine_survey", axis, seed, model.damaged))
            return SimpleNamespace(axis=axis, f1=760.0 if model.damaged else 800.0)

        def analyse_sine(rec):
            return F.sine_result(rec.axis, rec.f1)

        def generate_run(model, spec, axis, seed, duration_s=None, fs=5120.0):
            calls.append(("generate_run", axis, seed, duration_s, fs))
            return SimpleNamespace(axis=axis)

        def compare(pre, post, criteria):
            shift = 100 * (post["tables"]["modes"]["rows"][0][1] / pre["tables"]["modes"]["rows"][0][1] - 1)
            return F.comparison_result(pre["axis"], shift)

        def run_tvac(mission, profile, archive_path, seed, progress=None, log_path=None):
            calls.append(("run_tvac", profile, archive_path, str(log_path)))
            if progress:
                progress(7200.0, 14400.0)
            return {**F.tvac_result(), "thermocouple_log": str(log_path)}

        def correlate(mission, tvac_log, parameters=None):
            calls.append(("correlate", tvac_log))
            return F.correlation_result()

        def write_scenario(result, path):
            path.write_text("# correlated\n")

        return SimpleNamespace(
            load_spec=lambda name: SimpleNamespace(name=name), model_for=model_for, sine_survey=sine_survey,
            analyse_sine=analyse_sine, generate_run=generate_run,
            analyse_random=lambda rec, spec, model=None: F.random_result(rec.axis), compare=compare,
            load_profile=lambda name: name, run_tvac=run_tvac, correlate=correlate,
            write_scenario=write_scenario)


MISSION = SimpleNamespace(name="fixture-sat", scenario=object())


def _run(monkeypatch, tmp_path, fakes: Fakes, **options):
    monkeypatch.setattr(C, "_module", fakes.module)
    seen: list[tuple[str, int, int]] = []
    options.setdefault("as_built_spread", 0.0)  # the fake mission has no thermal model to draw from
    manifest = C.run_campaign(MISSION, tmp_path / "camp", 11, lambda *a: seen.append(a),
                              options=C.CampaignOptions(**options))
    return manifest, seen


def test_every_step_in_order_with_its_own_seed_and_the_report(monkeypatch, tmp_path) -> None:
    fakes = Fakes()
    manifest, seen = _run(monkeypatch, tmp_path, fakes)
    assert manifest["steps"] == C.plan(C.CampaignOptions())
    assert manifest["steps"][:4] == ["sine_pre_X", "random_X", "sine_post_X", "compare_X"]
    assert manifest["passed"] and manifest["skipped"] == []
    folder = tmp_path / "camp"
    for step in manifest["steps"]:
        assert R.load(folder / f"{step}.json").kind in R.KINDS
    assert json.loads((folder / "campaign.json").read_text())["seed"] == 11
    assert "id='summary-verdict' class='verdict pass'" in (folder / "report.html").read_text()
    seeds = [c[2] for c in fakes.calls if c[0] in ("sine_survey", "generate_run")]
    assert len(set(seeds)) == len(seeds) == 9
    assert [c[1] for c in fakes.calls if c[0] == "generate_run"] == ["X", "Y", "Z"]
    log = str(folder / "tvac-thermocouples.csv")
    assert ("run_tvac", "gevs-qual", str(folder / "tvac.sqlite"), log) in fakes.calls
    assert ("correlate", log) in fakes.calls
    assert ("tvac 2.0/4.0 h", 12.5, 15) in seen  # the long step moves the bar within its slot
    assert (folder / "correlated-scenario.toml").is_file()
    assert [s[0] for s in seen][-2:] == ["report", "done"] and seen[-1][1] == seen[-1][2]


def test_same_seed_same_seeds(monkeypatch, tmp_path) -> None:
    a, b = Fakes(), Fakes()
    _run(monkeypatch, tmp_path, a)
    _run(monkeypatch, tmp_path, b)
    assert a.calls == b.calls


def test_damage_reaches_only_the_post_surveys_and_fails_the_comparison(monkeypatch, tmp_path) -> None:
    fakes = Fakes()
    manifest, _ = _run(monkeypatch, tmp_path, fakes, damage={"joint_stiffness_drop": 0.1})
    surveys = [c for c in fakes.calls if c[0] == "sine_survey"]
    assert [c[3] for c in surveys] == [False, True] * 3
    assert not manifest["passed"]
    assert manifest["verdicts"]["compare_X"] == {"passed": 0, "total": 1}
    assert "class='verdict fail'>FAIL" in (tmp_path / "camp" / "report.html").read_text()


def test_a_missing_room_is_skipped_and_named(monkeypatch, tmp_path) -> None:
    manifest, _ = _run(monkeypatch, tmp_path, Fakes(missing=("tvac",)))
    assert [s["step"] for s in manifest["skipped"]] == ["tvac", "correlation"]
    assert "tvac" not in manifest["steps"] and "random_Z" in manifest["steps"]
    text = (tmp_path / "camp" / "report.html").read_text()
    assert "id='skipped'" in text and "envtest.tvac is not in this build" in text


def test_missing_room_raises_when_asked_not_to_skip(monkeypatch, tmp_path) -> None:
    with pytest.raises(C.StepMissing):
        _run(monkeypatch, tmp_path, Fakes(missing=("modal",)), skip_missing=False)


def test_the_test_article_differs_from_the_design_by_a_seeded_draw() -> None:
    from picodragon.config.mission import load_mission

    mission = load_mission()
    design = mission.scenario.spacecraft.thermal
    article, truth = C.as_built(mission, 0.2, seed=4)
    again, truth_again = C.as_built(mission, 0.2, seed=4)
    assert truth == truth_again and set(truth) == {"face_emissivity", "g_face_structure_w_k",
                                                   "g_battery_structure_w_k", "g_obc_structure_w_k",
                                                   "structure_specific_heat"}
    built = article.scenario.spacecraft.thermal
    for name, value in truth.items():
        assert getattr(built, name) == value != getattr(design, name)
    assert built.face_emissivity <= 1.0
    assert article.scenario.spacecraft.mass_kg == mission.scenario.spacecraft.mass_kg
    assert article.dictionary is mission.dictionary
    assert C.as_built(mission, 0.0, seed=4) == (mission, {})
