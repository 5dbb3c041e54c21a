"""Command authentication: good commands pass; forged, truncated, replayed ones do not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from picodragon.link.auth import CommandSigner, CommandVerifier, Verified, load_key
from picodragon.link.errors import Reason, Rejection

KEY = bytes(range(32))  # a test key; real keys come from configuration
OTHER = bytes(range(1, 33))


def pair(window: int = 64) -> tuple[CommandSigner, CommandVerifier]:
    return CommandSigner(KEY, key_id=3), CommandVerifier({3: KEY}, window=window)


def reason(result: object) -> Reason:
    assert isinstance(result, Rejection), result
    return result.reason


def test_accepts_in_order() -> None:
    signer, verifier = pair()
    for i in range(1, 5):
        result = verifier.verify(signer.sign(b"PING %d" % i))
        assert result == Verified(b"PING %d" % i, 3, i)


def test_rfc4231_case_2_hmac() -> None:
    """The HMAC itself: RFC 4231 test case 2, truncated to 16 octets."""
    import hashlib
    import hmac

    tag = hmac.new(b"Jefe", b"what do ya want for nothing?", hashlib.sha256).digest()
    assert tag.hex().startswith("5bdcc146bf60754e6a042426089575c7")


def test_forged_and_tampered() -> None:
    signer, verifier = pair()
    message = bytearray(signer.sign(b"DEPLOY ANTENNA"))
    forged = CommandSigner(OTHER, key_id=3).sign(b"DEPLOY ANTENNA")
    assert reason(verifier.verify(forged)) is Reason.BAD_TAG
    message[7] ^= 0x01
    assert reason(verifier.verify(bytes(message))) is Reason.BAD_TAG
    message[7] ^= 0x01
    message[2] ^= 0x80  # counter changed
    assert reason(verifier.verify(bytes(message))) is Reason.BAD_TAG


def test_truncated() -> None:
    signer, verifier = pair()
    message = signer.sign(b"RESET")
    assert reason(verifier.verify(message[:-1])) is Reason.BAD_TAG
    assert reason(verifier.verify(message[:10])) is Reason.TOO_SHORT
    assert reason(verifier.verify(b"")) is Reason.TOO_SHORT
    assert isinstance(verifier.verify(message), Verified)


def test_replay_and_window() -> None:
    signer, verifier = pair(window=8)
    messages = [signer.sign(b"C%d" % i) for i in range(12)]
    assert isinstance(verifier.verify(messages[5]), Verified)
    assert reason(verifier.verify(messages[5])) is Reason.REPLAYED
    assert isinstance(verifier.verify(messages[2]), Verified)  # late but inside the window
    assert reason(verifier.verify(messages[2])) is Reason.REPLAYED
    assert isinstance(verifier.verify(messages[11]), Verified)
    assert reason(verifier.verify(messages[3])) is Reason.REPLAYED  # fell out of the window
    assert isinstance(verifier.verify(messages[10]), Verified)
    state = (verifier.highest, verifier.bitmap)
    restored = CommandVerifier({3: KEY}, window=8, highest=state[0], bitmap=state[1])
    assert reason(restored.verify(messages[10])) is Reason.REPLAYED


def test_unknown_key_and_bad_config() -> None:
    signer, verifier = pair()
    assert reason(CommandVerifier({4: KEY}).verify(signer.sign(b"x"))) is Reason.UNKNOWN_KEY
    with pytest.raises(ValueError):
        CommandSigner(b"short")
    with pytest.raises(ValueError):
        CommandVerifier({0: KEY}, tag_length=4)


@given(st.binary(max_size=100))
def test_random_bytes_never_pass(data: bytes) -> None:
    _, verifier = pair()
    assert isinstance(verifier.verify(data), Rejection)


def test_load_key(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PICODRAGON_TEST_KEY", KEY.hex())
    assert load_key("env:PICODRAGON_TEST_KEY") == KEY
    path = tmp_path / "key.hex"
    path.write_text(KEY.hex() + "\n")
    assert load_key(f"file:{path}") == KEY
    path.write_bytes(b"\xff" * 32)
    assert load_key(f"file:{path}") == b"\xff" * 32
    for bad in ("env:PICODRAGON_MISSING_KEY", "plain", f"file:{tmp_path / 'nope'}"):
        with pytest.raises((ValueError, OSError)):
            load_key(bad)
    path.write_text("abcd")
    with pytest.raises(ValueError):
        load_key(f"file:{path}")
