"""Link budget, line by line, vectorised over numpy arrays of slant range and elevation.

Each line names its source; docs/link.md explains them. Decibels throughout (dB, dBW, dBi,
dB/K, dB-Hz); noise temperatures in kelvin.

Transmit side
    power ``10 log10(P)``; line loss from the configuration; antenna gain: the spacecraft's
    deployable dipole/monopole either from the configuration (an orientation average) or, given
    the off-axis angle of the station seen from the antenna axis, from the half-wave dipole
    pattern ``G = 1.64 (cos(pi/2 cos t) / sin t)^2`` (Balanis, "Antenna Theory", 4th ed.,
    eq. 4-84); a quarter-wave monopole on a 1U body is treated as the same pattern (assumed).
Path
    free-space loss ``20 log10(4 pi d f / c)`` (Friis); gaseous absorption: a zenith value of
    0.04 dB at UHF and 0.03 dB at VHF (ITU-R P.676-13, Annex 2, sea level, standard atmosphere)
    scaled by the path length through an equivalent 6 km layer over a spherical Earth, finite at
    the horizon; ionospheric absorption and scintillation: a 0.4 dB allowance (the default of the
    AMSAT-IARU Link Budget tool, J. King W3GEY); polarisation: a linear spacecraft antenna into
    a circular (cross-Yagi) station antenna loses 3 dB whatever the Faraday rotation.
Receive side
    the station Yagi's gain from the configuration, its half-power beamwidth from that gain by
    Kraus's estimate ``G ~ 41253 / theta^2`` (theta in degrees), and the pointing loss of a
    tracking error by the Gaussian-beam law ``12 (err / theta)^2`` dB; line loss from the
    configuration; noise: sky temperature from the ITU-R P.372-16 median galactic noise,
    ``Fa = 52 - 23 log10(f/MHz)`` dB above 290 K (39 K at 437 MHz); antenna temperature mixes
    that sky with the 290 K ground in the share of the beam below the horizon; the receiver
    chain is the configured system temperature less the sky (the configured value is taken at
    zenith); system = antenna + receiver chain. The spacecraft's antenna sees the Earth (290 K).
Demodulation
    ``C/N0 = EIRP - losses + G/T + 228.6``; ``Eb/N0 = C/N0 - 10 log10(R)``, with ``R`` the
    radio's bit rate. Both modes the radio can name are modelled as non-coherent binary FSK,
    ``Pb = 0.5 exp(-Eb/N0 / 2)`` (Sklar, "Digital Communications", 2nd ed., eq. 4.99; 13.35 dB
    at BER 1e-5), after a demodulation loss that depends on the modulation
    (:data:`DEMODULATION_LOSS_DB`):

    - ``AFSK1200`` (Bell 202 tones through an NBFM voice channel): 9.7 dB, which puts BER 1e-4
      at Eb/N0 = 22 dB, the AFSK/FM threshold of the AMSAT-IARU Link Budget tool, in line with
      NBFM needing 10 to 12 dB of C/N in 15 kHz (P. Karn KA9Q, AMSAT-BB, July 2014); the
      1200 bit/s signal wastes most of the FM channel's bandwidth.
    - ``FSK9600`` and ``FSK4800`` (G3RUH: direct FM of the shaped, scrambled NRZI line, detected
      at baseband): 0.55 dB, which puts BER 1e-5 at Eb/N0 = 13.9 dB, the threshold AMSAT-IARU
      tool budgets give a 9600 bit/s FSK link (e.g. the Western University CubeSat team's
      budget, 2022). This is the ideal discriminator less half a dB; a voice radio's filters
      cost a 9600 bit/s signal more (WB4APR measured 9600 about 7 dB worse than 1200 AFSK on
      the same radio, AMSAT-BB, July 2000), so the figure suits a data radio built for 9600.

    So the same link at 9600 bit/s instead of 1200 has ``-10 log10(8) = -9.03`` dB of Eb/N0
    and needs ``9.7 - 0.55 = 9.15`` dB less of it: the margin moves by +0.12 dB. Frame error
    rate assumes independent bit errors.

The module is over 500 lines because the budget's lines are written twice, side by side: on
arrays (a pass, a plan) and on one geometry's floats (a frame in flight, 6x cheaper), the same
operations in the same order so that both give the same numbers; apart, a change to one would
drift from the other.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from typing import Any

import numpy as np

from picodragon.config import Radio, Station

__all__ = [
    "DEMODULATION_LOSS_DB",
    "Budget",
    "LinkAssumptions",
    "dipole_gain_dbi",
    "downlink_budget",
    "frame_error_rate",
    "free_space_path_loss_db",
    "fsk_noncoherent_ber",
    "required_eb_n0_db",
    "slant_range_m",
    "uplink_budget",
]

SPEED_OF_LIGHT = 299_792_458.0
BOLTZMANN_DBW = 10 * np.log10(1.380649e-23)  # -228.6 dBW/K/Hz (CODATA 2018, exact k)
EARTH_RADIUS_M = 6_371_000.0
T0_K = 290.0
Array = np.ndarray | float

_NUMBER = (float, int)
"""One number (numpy's float64 is a float): the budget's scalar path takes these."""

DEMODULATION_LOSS_DB: dict[str, float] = {"AFSK1200": 9.7, "FSK9600": 0.55, "FSK4800": 0.55}
"""Loss (dB) of each modulation a radio can name against ideal non-coherent binary FSK (the
module docstring gives the sources): the radio's ``modulation`` picks the line."""


@dataclass(frozen=True)
class LinkAssumptions:
    """Numbers the configuration does not carry; each is an engineering assumption (see above).

    The defaults are the AFSK 1200 link's; :meth:`for_modulation` gives another modulation's.
    """

    target_ber: float = 1e-5
    demodulation_loss_db: float = 9.7
    ionospheric_loss_db: float = 0.4
    polarisation_loss_db: float = 3.0
    station_pointing_error_deg: float = 2.0
    gaseous_zenith_db_uhf: float = 0.04
    gaseous_zenith_db_vhf: float = 0.03
    equivalent_layer_m: float = 6_000.0
    spacecraft_antenna_noise_temperature_k: float = 290.0
    """The spacecraft's antenna sees the Earth (about 290 K) over most of its pattern."""
    spacecraft_receiver_noise_temperature_k: float = 410.0
    """VHF command receiver, noise figure about 3.9 dB (typical 1U transceiver)."""
    spacecraft_pattern: str = "dipole"

    @classmethod
    def for_modulation(cls, modulation: str) -> LinkAssumptions:
        """The default assumptions with the demodulation loss of ``modulation`` (a radio's
        ``modulation``: ``AFSK1200``, ``FSK9600``, ``FSK4800``); KeyError for another."""
        return cls(demodulation_loss_db=DEMODULATION_LOSS_DB[modulation])


@dataclass(frozen=True)
class Budget:
    """Every line of one direction's budget; arrays when the geometry was given as arrays."""

    frequency_hz: float
    transmit_power_dbw: float
    transmit_line_loss_db: float
    transmit_antenna_gain_dbi: Array
    eirp_dbw: Array
    path_loss_db: Array
    atmospheric_loss_db: Array
    ionospheric_loss_db: float
    polarisation_loss_db: float
    pointing_loss_db: Array
    receive_antenna_gain_dbi: Array
    receive_line_loss_db: float
    sky_noise_temperature_k: float
    antenna_noise_temperature_k: Array
    receiver_noise_temperature_k: float
    system_noise_temperature_k: Array
    g_over_t_db_k: Array
    received_power_dbw: Array
    c_over_n0_db_hz: Array
    bit_rate: float
    eb_n0_db: Array
    required_eb_n0_db: float
    margin_db: Array
    bit_error_rate: Array
    demodulation_loss_db: float = 0.0
    target_ber: float = 1e-5
    modulation: str = "AFSK1200"

    @classmethod
    def _of(cls, values: dict[str, object]) -> Budget:
        """The budget of ``values``, every field by name: the object ``Budget(**values)`` makes
        (equal, the same ``to_dict``), without the frozen dataclass's ``__init__``, which sets
        the 27 fields one ``object.__setattr__`` at a time (6.6 of the 13 us a frame's budget
        took; the mission runner makes one per frame and station)."""
        if len(values) != len(_BUDGET_FIELDS) or not _BUDGET_FIELDS.issuperset(values):
            raise TypeError(f"a Budget takes the fields {sorted(_BUDGET_FIELDS)}")
        budget = object.__new__(cls)
        budget.__dict__.update(values)
        return budget

    def to_dict(self) -> dict[str, float | list[float] | str]:
        """Every line as a float (scalar geometry) or a list of floats (arrays), and the
        modulation's name, for JSON."""
        return {key: np.asarray(value).tolist() for key, value in asdict(self).items()}

    as_dict = to_dict


_BUDGET_FIELDS = frozenset(f.name for f in fields(Budget))


def db(x: Array) -> Array:
    """Power ratio to decibels."""
    return 10 * np.log10(x)


def slant_range_m(elevation_deg: Array, altitude_m: Array) -> np.ndarray:
    """Distance to a spacecraft at ``altitude_m`` seen at ``elevation_deg`` (spherical Earth)."""
    e = np.radians(np.asarray(elevation_deg, dtype=float))
    r = EARTH_RADIUS_M
    return np.sqrt((r + altitude_m) ** 2 - (r * np.cos(e)) ** 2) - r * np.sin(e)


def free_space_path_loss_db(distance_m: Array, frequency_hz: float) -> np.ndarray:
    """Friis free-space loss 20 log10(4 pi d f / c), dB."""
    d = np.asarray(distance_m, dtype=float)
    return 20 * np.log10(4 * np.pi * d * frequency_hz / SPEED_OF_LIGHT)


def dipole_gain_dbi(off_axis_deg: Array, floor_dbi: float = -20.0) -> np.ndarray:
    """Half-wave dipole gain (dBi) at an angle from its axis; nulls floored at ``floor_dbi``."""
    t = np.radians(np.asarray(off_axis_deg, dtype=float))
    s = np.sin(t)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = 1.64 * (np.cos(np.pi / 2 * np.cos(t)) / np.where(s == 0, 1, s)) ** 2
    g = np.where(np.abs(s) < 1e-9, 0.0, g)
    return np.maximum(db(np.maximum(g, 1e-12)), floor_dbi)


def yagi_beamwidth_deg(gain_dbi: float) -> float:
    """Half-power beamwidth of a directive antenna from its gain (Kraus: G ~ 41253/theta^2)."""
    return float(np.sqrt(41253.0 / 10 ** (gain_dbi / 10)))


SIDELOBE_FLOOR_DB = 25.0
"""Beyond the main lobe a Yagi's pattern is sidelobes about 25 dB down (typical front-to-side
ratio of a 14 dBi amateur Yagi, assumed), not the Gaussian's ever-growing loss."""


def pointing_loss_db(error_deg: Array, beamwidth_deg: float) -> Array:
    """Gaussian main lobe: 12 (error / beamwidth)^2 dB, 3 dB at half the beamwidth, floored at
    the sidelobe level (:data:`SIDELOBE_FLOOR_DB`)."""
    if isinstance(error_deg, _NUMBER):  # one number: the same operations without numpy
        return float(min(12.0 * (error_deg / beamwidth_deg) ** 2, SIDELOBE_FLOOR_DB))
    loss = np.minimum(
        12.0 * (np.asarray(error_deg, dtype=float) / beamwidth_deg) ** 2, SIDELOBE_FLOOR_DB
    )
    return loss if loss.shape else float(loss)


def galactic_noise_k(frequency_hz: float) -> float:
    """Median galactic noise temperature, ITU-R P.372-16: Fa = 52 - 23 log10(f / 1 MHz) dB."""
    fa = 52.0 - 23.0 * np.log10(frequency_hz / 1e6)
    return float(T0_K * 10 ** (fa / 10))


def ground_fraction(elevation_deg: Array, beamwidth_deg: float) -> np.ndarray:
    """Share of a Gaussian beam pointed at ``elevation_deg`` that falls below the horizon."""
    from scipy.special import ndtr  # here, not at import: scipy.special costs 0.4 s to import

    sigma = beamwidth_deg / 2.3548
    return ndtr(-np.asarray(elevation_deg, dtype=float) / sigma)


def gaseous_loss_db(elevation_deg: Array, zenith_db: float, layer_m: float) -> np.ndarray:
    """Zenith absorption scaled by the path through an equivalent layer (spherical Earth)."""
    return zenith_db * slant_range_m(np.maximum(elevation_deg, 0.0), layer_m) / layer_m


def fsk_noncoherent_ber(eb_n0_db: Array, loss_db: float = 0.0) -> np.ndarray:
    """Bit error rate of non-coherent binary FSK, 0.5 exp(-Eb/N0 / 2), after ``loss_db``."""
    ratio = 10 ** ((np.asarray(eb_n0_db, dtype=float) - loss_db) / 10)
    return 0.5 * np.exp(-ratio / 2)


def required_eb_n0_db(target_ber: float = 1e-5, loss_db: float = 0.0) -> float:
    """Eb/N0 (dB) at which :func:`fsk_noncoherent_ber` reaches ``target_ber``."""
    return float(db(-2 * np.log(2 * target_ber)) + loss_db)


def frame_error_rate(bit_error_rate: Array, n_bits: int) -> np.ndarray:
    """Probability that at least one of ``n_bits`` independent bits is wrong."""
    ber = np.clip(np.asarray(bit_error_rate, dtype=float), 0.0, 0.5)
    return -np.expm1(n_bits * np.log1p(-ber))


def _budget(
    *,
    frequency_hz: float,
    power_w: float,
    tx_line_db: float,
    tx_gain_dbi: Array,
    rx_gain_dbi: Array,
    rx_line_db: float,
    sky_k: float,
    antenna_k: Array,
    receiver_k: float,
    pointing_db: Array,
    bit_rate: float,
    slant_range: Array,
    elevation_deg: Array,
    a: LinkAssumptions,
    modulation: str,
) -> Budget:
    one = (isinstance(slant_range, _NUMBER) and isinstance(elevation_deg, _NUMBER)
           and isinstance(tx_gain_dbi, _NUMBER) and isinstance(rx_gain_dbi, _NUMBER)
           and isinstance(antenna_k, _NUMBER) and isinstance(pointing_db, _NUMBER))
    lines_of = _one_geometry_lines if one else _lines
    lines = lines_of(frequency_hz, power_w, tx_line_db, tx_gain_dbi, rx_gain_dbi, rx_line_db,
                     antenna_k, receiver_k, pointing_db, bit_rate, slant_range, elevation_deg, a)
    lines.update(
        frequency_hz=frequency_hz,
        transmit_line_loss_db=tx_line_db,
        ionospheric_loss_db=a.ionospheric_loss_db,
        polarisation_loss_db=a.polarisation_loss_db,
        receive_line_loss_db=rx_line_db,
        sky_noise_temperature_k=sky_k,
        receiver_noise_temperature_k=receiver_k,
        bit_rate=bit_rate,
        demodulation_loss_db=a.demodulation_loss_db,
        target_ber=a.target_ber,
        modulation=modulation,
    )
    return Budget._of(lines)


def _lines(frequency_hz: float, power_w: float, tx_line_db: float, tx_gain_dbi: Array,
           rx_gain_dbi: Array, rx_line_db: float, antenna_k: Array, receiver_k: float,
           pointing_db: Array, bit_rate: float, slant_range: Array, elevation_deg: Array,
           a: LinkAssumptions) -> dict[str, Array]:
    """The lines of :func:`_budget` that depend on the geometry, on arrays (or 0-d)."""
    noise_k = np.asarray(antenna_k, dtype=float) + receiver_k
    shape = np.broadcast(
        *(
            np.asarray(x)
            for x in (slant_range, elevation_deg, tx_gain_dbi, rx_gain_dbi, noise_k, pointing_db)
        )
    ).shape
    zeros = np.zeros(shape)
    p_dbw = float(db(power_w))
    eirp = p_dbw - tx_line_db + np.asarray(tx_gain_dbi) + zeros
    fspl = free_space_path_loss_db(slant_range, frequency_hz) + zeros
    zenith = a.gaseous_zenith_db_uhf if frequency_hz > 300e6 else a.gaseous_zenith_db_vhf
    atmos = gaseous_loss_db(elevation_deg, zenith, a.equivalent_layer_m) + zeros
    g_t = rx_gain_dbi - rx_line_db - db(np.asarray(noise_k, dtype=float)) + zeros
    isotropic = eirp - fspl - atmos - a.ionospheric_loss_db - a.polarisation_loss_db - pointing_db
    received = isotropic + np.asarray(rx_gain_dbi) - rx_line_db
    c_n0 = isotropic + g_t - BOLTZMANN_DBW
    eb_n0 = c_n0 - db(bit_rate)
    required = required_eb_n0_db(a.target_ber, a.demodulation_loss_db)

    def out(x: np.ndarray) -> Array:
        return x if shape else float(x)

    return {
        "transmit_power_dbw": p_dbw,
        "transmit_antenna_gain_dbi": out(np.asarray(tx_gain_dbi) + zeros),
        "eirp_dbw": out(eirp),
        "path_loss_db": out(fspl),
        "atmospheric_loss_db": out(atmos),
        "pointing_loss_db": out(np.asarray(pointing_db, dtype=float) + zeros),
        "receive_antenna_gain_dbi": out(np.asarray(rx_gain_dbi) + zeros),
        "antenna_noise_temperature_k": out(np.asarray(antenna_k, dtype=float) + zeros),
        "system_noise_temperature_k": out(noise_k + zeros),
        "g_over_t_db_k": out(g_t),
        "received_power_dbw": out(received),
        "c_over_n0_db_hz": out(c_n0),
        "eb_n0_db": out(eb_n0),
        "required_eb_n0_db": required,
        "margin_db": out(eb_n0 - required),
        "bit_error_rate": out(fsk_noncoherent_ber(eb_n0, a.demodulation_loss_db)),
    }


def _one_geometry_lines(frequency_hz: float, power_w: float, tx_line_db: float,
                        tx_gain_dbi: float, rx_gain_dbi: float, rx_line_db: float,
                        antenna_k: float, receiver_k: float, pointing_db: float, bit_rate: float,
                        slant_range: float, elevation_deg: float,
                        a: LinkAssumptions) -> dict[str, Array]:
    """:func:`_lines` for one geometry (a frame in flight): the same operations in the same order
    on floats (``math`` is the C library numpy's scalars call, and ``x ** 2`` is the ``pow`` a
    numpy scalar's square calls), so every line is the same number, about 6x cheaper. The
    ``+ 0.0`` are the array path's ``+ zeros`` (they turn -0 into 0)."""
    noise_k = float(antenna_k) + receiver_k
    p_dbw = _db_scalar(power_w)
    eirp = p_dbw - tx_line_db + tx_gain_dbi + 0.0
    fspl = 20 * math.log10(4 * math.pi * slant_range * frequency_hz / SPEED_OF_LIGHT) + 0.0
    zenith = a.gaseous_zenith_db_uhf if frequency_hz > 300e6 else a.gaseous_zenith_db_vhf
    layer = a.equivalent_layer_m
    e = math.radians(max(elevation_deg, 0.0))
    r = EARTH_RADIUS_M
    path = math.sqrt((r + layer) ** 2 - (r * math.cos(e)) ** 2) - r * math.sin(e)
    atmos = zenith * path / layer + 0.0
    g_t = rx_gain_dbi - rx_line_db - _db_scalar(noise_k) + 0.0
    isotropic = eirp - fspl - atmos - a.ionospheric_loss_db - a.polarisation_loss_db - pointing_db
    received = isotropic + rx_gain_dbi - rx_line_db
    c_n0 = isotropic + g_t - BOLTZMANN_DBW
    eb_n0 = c_n0 - _db_scalar(bit_rate)
    required = _required_eb_n0_db(a.target_ber, a.demodulation_loss_db)
    ber = 0.5 * math.exp(-(10 ** ((eb_n0 - a.demodulation_loss_db) / 10)) / 2)
    return {
        "transmit_power_dbw": p_dbw,
        "transmit_antenna_gain_dbi": float(tx_gain_dbi + 0.0),
        "eirp_dbw": float(eirp),
        "path_loss_db": float(fspl),
        "atmospheric_loss_db": float(atmos),
        "pointing_loss_db": float(pointing_db + 0.0),
        "receive_antenna_gain_dbi": float(rx_gain_dbi + 0.0),
        "antenna_noise_temperature_k": float(antenna_k + 0.0),
        "system_noise_temperature_k": float(noise_k + 0.0),
        "g_over_t_db_k": float(g_t),
        "received_power_dbw": float(received),
        "c_over_n0_db_hz": float(c_n0),
        "eb_n0_db": float(eb_n0),
        "required_eb_n0_db": required,
        "margin_db": float(eb_n0 - required),
        "bit_error_rate": float(ber),
    }


def _db_scalar(x: float) -> float:
    """:func:`db` of one number."""
    return 10 * math.log10(x)


@lru_cache(maxsize=1)
def _ndtr() -> Any:
    """scipy's ``ndtr``, imported at the first budget (scipy.special costs 0.4 s to import), not
    at each one (an import statement costs 0.5 us a frame)."""
    from scipy.special import ndtr

    return ndtr


# per-frame constants: each depends only on configuration values (floats, a name)
_assumptions_for = lru_cache(maxsize=16)(LinkAssumptions.for_modulation)
_beamwidth_deg = lru_cache(maxsize=64)(yagi_beamwidth_deg)
_galactic_noise_k = lru_cache(maxsize=64)(galactic_noise_k)
_required_eb_n0_db = lru_cache(maxsize=64)(required_eb_n0_db)


def _spacecraft_gain(radio: Radio, off_axis_deg: Array | None, a: LinkAssumptions) -> Array:
    if off_axis_deg is None or a.spacecraft_pattern == "isotropic":
        return radio.antenna_gain_dbi
    return dipole_gain_dbi(off_axis_deg)


def _station_noise_k(
    station: Station, frequency_hz: float, elevation_deg: Array
) -> tuple[float, np.ndarray, float]:
    """Sky, antenna and receiver-chain noise temperatures (K) of the station.

    The configured system temperature is taken at zenith (beam on cold sky); the receiver chain
    (line, LNA, receiver) is what remains of it after the sky. Near the horizon part of the
    beam sees the 290 K ground instead of the sky.
    """
    beamwidth = yagi_beamwidth_deg(station.antenna_gain_dbi)
    sky = galactic_noise_k(frequency_hz)
    fraction = ground_fraction(elevation_deg, beamwidth)
    antenna = (1 - fraction) * sky + fraction * T0_K
    receiver = max(station.system_noise_temperature_k - sky, 0.0)
    return sky, antenna, receiver


def downlink_budget(
    radio: Radio,
    station: Station,
    slant_range_m: Array,
    elevation_deg: Array,
    spacecraft_off_axis_deg: Array | None = None,
    assumptions: LinkAssumptions | None = None,
    station_off_boresight_deg: Array | None = None,
) -> Budget:
    """Spacecraft to station at the telemetry frequency, per element of the geometry arrays.

    ``spacecraft_off_axis_deg``: angle between the spacecraft antenna's axis and the station
    (from the attitude); ``None`` takes the configured gain as an orientation average.
    ``station_off_boresight_deg``: how far the station's antenna points from the spacecraft
    (a fixed antenna, a lagging rotator); ``None`` takes the assumed tracking error.
    ``assumptions``: ``None`` takes the defaults with the radio's modulation's demodulation loss
    (:meth:`LinkAssumptions.for_modulation`); the bit rate is the radio's.
    """
    a = assumptions or _assumptions_for(radio.modulation)
    f = radio.downlink_frequency_hz
    beamwidth = _beamwidth_deg(station.antenna_gain_dbi)
    if isinstance(slant_range_m, _NUMBER) and isinstance(elevation_deg, _NUMBER):
        sky = _galactic_noise_k(f)
        fraction = float(_ndtr()(-elevation_deg / (beamwidth / 2.3548)))  # ground_fraction, 8 us less
        antenna = (1 - fraction) * sky + fraction * T0_K
        receiver = max(station.system_noise_temperature_k - sky, 0.0)
    else:
        sky, antenna, receiver = _station_noise_k(station, f, elevation_deg)
    return _budget(
        frequency_hz=f,
        power_w=radio.downlink_power_w,
        tx_line_db=radio.line_loss_db,
        tx_gain_dbi=_spacecraft_gain(radio, spacecraft_off_axis_deg, a),
        rx_gain_dbi=station.antenna_gain_dbi,
        rx_line_db=station.line_loss_db,
        sky_k=sky,
        antenna_k=antenna,
        receiver_k=receiver,
        pointing_db=_station_pointing_db(a, station_off_boresight_deg, beamwidth),
        bit_rate=radio.bit_rate,
        slant_range=slant_range_m,
        elevation_deg=elevation_deg,
        a=a,
        modulation=radio.modulation,
    )


def _station_pointing_db(a: LinkAssumptions, off_boresight_deg: Array | None,
                         beamwidth_deg: float) -> Array:
    """The station antenna's pointing loss: at the given angle, or at the assumed tracking error."""
    error = a.station_pointing_error_deg if off_boresight_deg is None else off_boresight_deg
    return pointing_loss_db(error, beamwidth_deg)


def uplink_budget(
    radio: Radio,
    station: Station,
    slant_range_m: Array,
    elevation_deg: Array,
    spacecraft_off_axis_deg: Array | None = None,
    assumptions: LinkAssumptions | None = None,
    station_off_boresight_deg: Array | None = None,
) -> Budget:
    """Station to spacecraft at the command frequency (the station's Yagi assumed dual-band);
    the optional angles as for :func:`downlink_budget`. The uplink flies the radio's mode
    (bit rate and modulation) too."""
    a = assumptions or _assumptions_for(radio.modulation)
    beamwidth = _beamwidth_deg(station.antenna_gain_dbi)
    return _budget(
        frequency_hz=radio.uplink_frequency_hz,
        power_w=station.uplink_power_w,
        tx_line_db=station.line_loss_db,
        tx_gain_dbi=station.antenna_gain_dbi,
        rx_gain_dbi=_spacecraft_gain(radio, spacecraft_off_axis_deg, a),
        rx_line_db=radio.line_loss_db,
        sky_k=a.spacecraft_antenna_noise_temperature_k,
        antenna_k=a.spacecraft_antenna_noise_temperature_k,
        receiver_k=a.spacecraft_receiver_noise_temperature_k,
        pointing_db=_station_pointing_db(a, station_off_boresight_deg, beamwidth),
        bit_rate=radio.bit_rate,
        slant_range=slant_range_m,
        elevation_deg=elevation_deg,
        a=a,
        modulation=radio.modulation,
    )
