"""The reference link budget (Pico Dragon to VNSC Hanoi, and back) at 0, 10, 30, 60, 90 degrees.

Slant ranges for a 410 km orbit over a spherical Earth; every line is explained, with its
source, in docs/link.md and in picodragon.link.budget. Also prints the frame error rate of a
100-octet telemetry frame, the Doppler shift range at each end, and the AFSK/FM model's frame
error rate beside a simulation through NBFM and our modem. Writes bench/results/link.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

import _meta
from picodragon.api import load_scenario
from picodragon.link import ax25, budget, doppler
from picodragon.link.channel import Channel

ELEVATIONS = np.array([0.0, 10.0, 30.0, 60.0, 90.0])
ALTITUDE_M = 410e3
FRAME_BITS = 8 * (100 + 18 + 2)  # info, header, FCS
LINES = [
    ("frequency_hz", "frequency (MHz)", 1e-6),
    ("transmit_power_dbw", "transmit power (dBW)", 1),
    ("transmit_line_loss_db", "transmit line loss (dB)", 1),
    ("transmit_antenna_gain_dbi", "transmit antenna gain (dBi)", 1),
    ("eirp_dbw", "EIRP (dBW)", 1),
    ("path_loss_db", "free-space path loss (dB)", 1),
    ("atmospheric_loss_db", "atmospheric (gaseous) loss (dB)", 1),
    ("ionospheric_loss_db", "ionospheric loss (dB)", 1),
    ("polarisation_loss_db", "polarisation loss (dB)", 1),
    ("pointing_loss_db", "station pointing loss (dB)", 1),
    ("receive_antenna_gain_dbi", "receive antenna gain (dBi)", 1),
    ("receive_line_loss_db", "receive line loss (dB)", 1),
    ("sky_noise_temperature_k", "sky noise temperature (K)", 1),
    ("antenna_noise_temperature_k", "antenna noise temperature (K)", 1),
    ("receiver_noise_temperature_k", "receiver chain noise temp. (K)", 1),
    ("system_noise_temperature_k", "system noise temperature (K)", 1),
    ("g_over_t_db_k", "G/T (dB/K)", 1),
    ("received_power_dbw", "received power (dBW)", 1),
    ("c_over_n0_db_hz", "C/N0 (dB-Hz)", 1),
    ("eb_n0_db", "Eb/N0 (dB)", 1),
    ("required_eb_n0_db", "required Eb/N0 (dB)", 1),
    ("margin_db", "margin (dB)", 1),
    ("bit_error_rate", "bit error rate", 1),
]


def table(title: str, b: budget.Budget, ranges_km: np.ndarray) -> list[str]:
    head = f"{title:34s}" + "".join(f"{e:>11.0f}" for e in ELEVATIONS)
    rows = [
        head,
        f"{'elevation (deg) / range (km)':34s}" + "".join(f"{r:>11.0f}" for r in ranges_km),
    ]
    for key, label, scale in LINES:
        values = np.broadcast_to(np.asarray(getattr(b, key), dtype=float) * scale, ELEVATIONS.shape)
        if key == "bit_error_rate":
            cells = "".join(f"{v:>11.1e}" for v in values)
        else:
            cells = "".join(f"{v:>11.2f}" for v in values)
        rows.append(f"{label:34s}{cells}")
    fer = budget.frame_error_rate(b.bit_error_rate, FRAME_BITS)
    rows.append(f"{'frame error rate (120 octets)':34s}" + "".join(f"{v:>11.1e}" for v in fer))
    return rows


def fm_check(frames: int = 40) -> list[dict[str, float]]:
    """The AFSK/FM model against a simulation: our modulator, NBFM (3 kHz deviation, 15 kHz
    IF, limiter-discriminator) with noise at each Eb/N0, our demodulator."""
    frame = ax25.encode(
        ax25.Frame(ax25.Address("CQ"), ax25.Address("XV9PID"), info=bytes(range(100)))
    )
    bits = 8 * (len(frame) + 2)
    loss = budget.LinkAssumptions().demodulation_loss_db
    print(f"AFSK over NBFM, frames of {len(frame) + 2} octets: frame error rate")
    print(f"{'Eb/N0 (dB)':>12}{'simulated':>12}{'model':>12}")
    rows = []
    for eb_n0 in (17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0):
        link = Channel(seed=int(eb_n0), audio=True, fm=True, sample_rate=22050)
        lost = sum(link.transmit_eb_n0(frame, eb_n0) != frame for _ in range(frames))
        model = float(budget.frame_error_rate(budget.fsk_noncoherent_ber(eb_n0, loss), bits))
        rows.append({"eb_n0_db": eb_n0, "simulated_fer": lost / frames, "model_fer": model})
        print(f"{eb_n0:>12.1f}{lost / frames:>12.2f}{model:>12.2f}")
    return rows


def main() -> int:
    _meta.start()
    scenario = load_scenario("picodragon-2013")
    radio, station = scenario.spacecraft.radio, scenario.stations[0]
    ranges = budget.slant_range_m(ELEVATIONS, ALTITUDE_M)
    down = budget.downlink_budget(radio, station, ranges, ELEVATIONS)
    up = budget.uplink_budget(radio, station, ranges, ELEVATIONS)
    print(f"Pico Dragon ({radio.callsign}) and {station.name}, {ALTITUDE_M / 1e3:.0f} km orbit")
    for line in table("downlink (telemetry)", down, ranges / 1e3):
        print(line)
    print()
    for line in table("uplink (commands)", up, ranges / 1e3):
        print(line)
    r = budget.EARTH_RADIUS_M
    speed = np.sqrt(3.986004418e14 / (r + ALTITUDE_M))  # circular orbital speed
    range_rate = speed * r / (r + ALTITUDE_M)  # at the horizon of an overhead pass
    print()
    for name, f in (
        ("downlink", radio.downlink_frequency_hz),
        ("uplink", radio.uplink_frequency_hz),
    ):
        shift = float(doppler.doppler_shift_hz(f, -range_rate))
        print(
            f"Doppler {name}: up to +/-{shift / 1e3:.2f} kHz at {f / 1e6:.3f} MHz "
            f"(range rate {range_rate / 1e3:.2f} km/s, horizon of an overhead pass)"
        )
    print()
    fm_rows = fm_check()
    out = Path(__file__).parent / "results" / "link.json"
    out.parent.mkdir(exist_ok=True)
    payload = {
        "elevation_deg": ELEVATIONS.tolist(),
        "slant_range_m": ranges.tolist(),
        "downlink": down.to_dict(),
        "uplink": up.to_dict(),
        "fm_check": fm_rows,
        "meta": _meta.meta(),
    }
    out.write_text(json.dumps(payload, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
