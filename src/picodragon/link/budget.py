"""Link budget (first cut): free-space loss, fixed gains, system noise temperature, Eb/N0, BER.

Vectorised over numpy arrays of slant range and elevation. Sources: Friis transmission
equation; Boltzmann's constant k = 1.380649e-23 J/K (-228.6 dBW/K/Hz); BER of non-coherent
binary FSK, Pb = 0.5 exp(-Eb/N0 / 2) (Sklar, "Digital Communications", 2nd ed., eq. 4.99).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from picodragon.config import Radio, Station

SPEED_OF_LIGHT = 299_792_458.0
BOLTZMANN_DBW = 10 * np.log10(1.380649e-23)
TARGET_BER = 1e-5
SPACECRAFT_RECEIVER_NOISE_TEMPERATURE_K = 1000.0
"""Assumed: VHF receiver looking at a 290 K Earth plus a 3 dB noise figure front end."""


@dataclass(frozen=True)
class Budget:
    """One budget line per field; arrays when the geometry was given as arrays. dB, dBW, Hz."""

    frequency_hz: float
    eirp_dbw: np.ndarray | float
    path_loss_db: np.ndarray | float
    g_over_t_db_k: float
    c_over_n0_db_hz: np.ndarray | float
    bit_rate: float
    eb_n0_db: np.ndarray | float
    required_eb_n0_db: float
    margin_db: np.ndarray | float
    bit_error_rate: np.ndarray | float

    def to_dict(self) -> dict[str, object]:
        """Plain floats and lists, for JSON."""
        return {k: np.asarray(v).tolist() for k, v in asdict(self).items()}


def db(x: np.ndarray | float) -> np.ndarray | float:
    """Power ratio to decibels."""
    return 10 * np.log10(x)


def free_space_path_loss_db(distance_m: np.ndarray | float, frequency_hz: float) -> np.ndarray:
    """Friis free-space loss 20 log10(4 pi d f / c), dB."""
    return 20 * np.log10(
        4 * np.pi * np.asarray(distance_m, dtype=float) * frequency_hz / SPEED_OF_LIGHT
    )


def fsk_noncoherent_ber(eb_n0_db: np.ndarray | float) -> np.ndarray:
    """Bit error rate of non-coherent binary FSK: 0.5 exp(-Eb/N0 / 2)."""
    ratio = 10 ** (np.asarray(eb_n0_db, dtype=float) / 10)
    return 0.5 * np.exp(-ratio / 2)


def required_eb_n0_db(target_ber: float = TARGET_BER) -> float:
    """Eb/N0 at which non-coherent FSK reaches ``target_ber``, dB."""
    return float(db(-2 * np.log(2 * target_ber)))


def frame_error_rate(bit_error_rate: np.ndarray | float, n_bits: int) -> np.ndarray:
    """Probability that at least one of ``n_bits`` independent bits is wrong."""
    ber = np.clip(np.asarray(bit_error_rate, dtype=float), 0.0, 0.5)
    return -np.expm1(n_bits * np.log1p(-ber))


def _budget(
    frequency_hz: float,
    power_w: float,
    tx_gain_dbi: float,
    tx_line_db: float,
    rx_gain_dbi: float,
    rx_line_db: float,
    noise_k: float,
    bit_rate: float,
    slant_range_m: np.ndarray | float,
) -> Budget:
    eirp = db(power_w) - tx_line_db + tx_gain_dbi
    loss = free_space_path_loss_db(slant_range_m, frequency_hz)
    g_t = rx_gain_dbi - rx_line_db - db(noise_k)
    c_n0 = eirp - loss + g_t - BOLTZMANN_DBW
    eb_n0 = c_n0 - db(bit_rate)
    required = required_eb_n0_db()
    return Budget(
        frequency_hz=frequency_hz,
        eirp_dbw=eirp + 0 * loss,
        path_loss_db=loss,
        g_over_t_db_k=float(g_t),
        c_over_n0_db_hz=c_n0,
        bit_rate=bit_rate,
        eb_n0_db=eb_n0,
        required_eb_n0_db=required,
        margin_db=eb_n0 - required,
        bit_error_rate=fsk_noncoherent_ber(eb_n0),
    )


def downlink_budget(
    radio: Radio,
    station: Station,
    slant_range_m: np.ndarray | float,
    elevation_deg: np.ndarray | float,
) -> Budget:
    """Spacecraft to station at the telemetry frequency."""
    return _budget(
        radio.downlink_frequency_hz,
        radio.downlink_power_w,
        radio.antenna_gain_dbi,
        radio.line_loss_db,
        station.antenna_gain_dbi,
        station.line_loss_db,
        station.system_noise_temperature_k,
        radio.bit_rate,
        slant_range_m,
    )


def uplink_budget(
    radio: Radio,
    station: Station,
    slant_range_m: np.ndarray | float,
    elevation_deg: np.ndarray | float,
) -> Budget:
    """Station to spacecraft at the command frequency."""
    return _budget(
        radio.uplink_frequency_hz,
        station.uplink_power_w,
        station.antenna_gain_dbi,
        station.line_loss_db,
        radio.antenna_gain_dbi,
        radio.line_loss_db,
        SPACECRAFT_RECEIVER_NOISE_TEMPERATURE_K,
        radio.bit_rate,
        slant_range_m,
    )
