"""`picodragon envtest report|campaign`: output, --json -, and one-line refusals with nothing written."""

from __future__ import annotations

import json

import pytest

from picodragon.cli import main
from picodragon.envtest import campaign as C
from tests.envtest.campaign_fixtures import write_campaign
from tests.envtest.test_report_campaign import Fakes


def cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


def _one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("verb", ["report", "campaign"])
def test_help(capsys, verb) -> None:
    code, out, _ = cli(capsys, "envtest", verb, "--help")
    assert code == 0 and "--json" in out and "--out" in out


def test_report_writes_html_and_json(capsys, tmp_path) -> None:
    folder = write_campaign(tmp_path / "c", failing=True)
    out = tmp_path / "r.html"
    code, stdout, err = cli(capsys, "envtest", "report", str(folder), "--out", str(out), "--json", "-")
    assert code == 0, err
    data = json.loads(stdout)
    assert data["report"] == str(out) and out.is_file()
    assert data["passed"] is False and data["failed"] == ["compare_Y: first mode frequency shift"]
    assert data["steps"][:2] == ["sine_pre_X", "random_X"]


@pytest.mark.parametrize("setup, message", [
    (lambda d: d.rename(d.with_name("gone")), "folder not found"),
    (lambda d: (d / "random_X.json").write_text("{broken"), "random_X.json: not JSON"),
    (lambda d: (d / "tvac.json").write_text('{"kind": "tvac"}'), "not an envtest result"),
])
def test_report_refuses_bad_folders(capsys, tmp_path, setup, message) -> None:
    folder = write_campaign(tmp_path / "c")
    setup(folder)
    out = tmp_path / "r.html"
    code, _, err = cli(capsys, "envtest", "report", str(folder), "--out", str(out), "--json", str(tmp_path / "x.json"))
    assert code == 2 and message in _one_line(err)
    assert not out.exists() and not (tmp_path / "x.json").exists()


def test_report_refuses_an_unwritable_out(capsys, tmp_path) -> None:
    folder = write_campaign(tmp_path / "c")
    code, _, err = cli(capsys, "envtest", "report", str(folder), "--out", str(tmp_path / "no" / "r.html"))
    assert code == 2 and "does not exist" in _one_line(err)
    code, _, err = cli(capsys, "envtest", "report", str(folder), "--out", str(tmp_path))
    assert code == 2 and "is a folder" in _one_line(err)


def test_campaign_runs_into_a_folder(capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(C, "_module", Fakes().module)
    out = tmp_path / "camp"
    code, stdout, err = cli(capsys, "envtest", "campaign", "--out", str(out), "--seed", "5", "--json", "-")
    assert code == 0, err
    data = json.loads(stdout)
    assert data["seed"] == 5 and data["passed"] and len(data["steps"]) == 14
    assert (out / "report.html").is_file() and (out / "campaign.json").is_file()
    # a second campaign into the same folder needs --force
    code, _, err = cli(capsys, "envtest", "campaign", "--out", str(out), "--quiet")
    assert code == 2 and "--force" in _one_line(err)
    code, stdout, err = cli(capsys, "envtest", "campaign", "--out", str(out), "--force", "--seed", "6",
                            "--damage", "stack:0.1")
    assert code == 0, err
    assert "FAIL ->" in stdout and "envtest" in err  # the verdict line, and the progress bar on stderr
    written = json.loads((out / "campaign.json").read_text())
    assert written["seed"] == 6 and written["options"]["damage"] == {"joint": "stack", "stiffness_drop": 0.1}
    assert not written["passed"]  # the fakes' post surveys of a damaged model shift 5 %


@pytest.mark.parametrize("args, message", [
    (["--seed", "-1"], "--seed"),
    (["--out", "FILE"], "is a file"),
    (["--out", "FOREIGN"], "holds other files"),
    (["--out", "NOPARENT/camp"], "does not exist"),
    (["--mission", "NOPE"], "mission folder not found"),
    (["--damage", "hinge:0.1"], "--damage: joint must be one of"),
    (["--damage", "stack:1.5"], "--damage drop"),
    (["--spec", "sine-survey"], "--spec: sine-survey is a sine spec"),
    (["--spec", "no-such-spec"], "--spec: spec no-such-spec"),
    (["--survey", "gevs-acceptance"], "--survey: gevs-acceptance is a random spec"),
    (["--profile", "arctic"], "--profile: no thermal-vacuum profile 'arctic'"),
])
def test_campaign_refuses_bad_input_and_writes_nothing(capsys, monkeypatch, tmp_path, args, message) -> None:
    fakes = Fakes()
    monkeypatch.setattr(C, "_module", fakes.module)
    (tmp_path / "FILE").write_text("x")
    (tmp_path / "FOREIGN").mkdir()
    (tmp_path / "FOREIGN" / "thesis.tex").write_text("x")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    args = [a.replace("FILE", str(tmp_path / "FILE")).replace("FOREIGN", str(tmp_path / "FOREIGN"))
            .replace("NOPARENT", str(tmp_path / "noparent")).replace("NOPE", str(tmp_path / "nope")) for a in args]
    if "--out" not in args:
        args += ["--out", str(tmp_path / "camp")]
    code, _, err = cli(capsys, "envtest", "campaign", *args, "--quiet")
    assert code == 2 and message in _one_line(err)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before and fakes.calls == []
