"""The reference of every mission.toml field, made from the models (docs/missions.md holds it).

Each section's table lists its fields with type, default and the model's description, so the
documentation cannot drift from what the loader accepts: tests/config/test_reference.py fails
when docs/missions.md holds another text than :func:`reference_markdown` makes.
"""

from __future__ import annotations

import typing

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

BEGIN = "<!-- mission.toml reference: made by picodragon.config.reference; do not edit -->"
END = "<!-- end of the mission.toml reference -->"


def _type_name(annotation: object) -> str:
    text = str(annotation) if not isinstance(annotation, type) else annotation.__name__
    for noise in ("typing.", "picodragon.config.models.", "datetime.", "<class '", "'>"):
        text = text.replace(noise, "")
    return text.replace("|", "or").replace("  ", " ")


def _default(field) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "required"
    if field.default_factory is not None:
        value = field.default_factory()
        return "[]" if value == [] else "(its defaults)" if isinstance(value, BaseModel) else repr(value)
    if isinstance(field.default, BaseModel):
        return "(its defaults)"
    return "absent" if field.default is None else repr(field.default)


def _sections() -> list[tuple[str, type[BaseModel]]]:
    from picodragon.config import models

    return [
        ("top level", models.Scenario),
        ("[spacecraft]", models.Spacecraft),
        ("[spacecraft.radio]", models.Radio),
        ("[spacecraft.power]", models.Power),
        ("[[spacecraft.power.panels]]", models.Panel),
        ("[spacecraft.camera]", models.Camera),
        ("[spacecraft.adcs]", models.Adcs),
        ("[spacecraft.thermal]", models.Thermal),
        ("[[spacecraft.appendages]]", models.Appendage),
        *([("[orbit]", models.Orbit)] if hasattr(models, "Orbit") else []),
        ("[deployment]", models.Deployment),
        ("[[stations]]", models.Station),
        ("[[targets]]", models.Target),
        ("[flight_software]", models.FlightSoftwareSection),
        ("[[faults]]", models.Fault),
        ("[[companions]]", models.Companion),
        *([("[receive]", models.Receive)] if hasattr(models, "Receive") else []),
        *([("[uncertainty]", models.Uncertainty)] if hasattr(models, "Uncertainty") else []),
    ]


def reference_markdown() -> str:
    """Every section of mission.toml as a Markdown table, between the BEGIN and END markers."""
    out = [BEGIN, ""]
    for title, model in _sections():
        doc = " ".join((model.__doc__ or "").split())
        out += [f"### {title}", ""]
        if doc and not doc.startswith("A configuration section"):
            out += [doc, ""]
        out += ["| field | type | default | meaning |", "|---|---|---|---|"]
        hints = typing.get_type_hints(model)
        for name, field in model.model_fields.items():
            meaning = " ".join((field.description or "").split()).replace("|", "/")
            out.append(f"| `{name}` | {_type_name(hints.get(name, field.annotation))} | "
                       f"{_default(field).replace('|', '/')} | {meaning} |")
        out.append("")
    out.append(END)
    return "\n".join(out) + "\n"
