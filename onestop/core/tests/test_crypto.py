"""The key ring: sealed values open with the key that sealed them, and nothing else."""

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onestop.core.crypto import DecryptionError, KeyRing

KEY_A, KEY_B, BLIND = os.urandom(32), os.urandom(32), os.urandom(32)
RING_A = KeyRing(keys={"a": KEY_A}, active_id="a", blind_index_key=BLIND)


@given(text=st.text(max_size=300))
def test_encrypt_then_decrypt_gives_back_the_text(text):
    token = RING_A.encrypt(text)
    assert token.startswith("v1:a:")
    assert RING_A.decrypt(token) == text


def test_the_same_text_seals_differently_each_time():
    assert RING_A.encrypt("김지영") != RING_A.encrypt("김지영")


def test_after_rotation_old_values_stay_readable_and_new_ones_use_the_new_key():
    old = RING_A.encrypt("010-1234-5678")
    rotated = KeyRing(keys={"b": KEY_B, "a": KEY_A}, active_id="b", blind_index_key=BLIND)
    assert rotated.decrypt(old) == "010-1234-5678"
    assert rotated.key_id_of(rotated.encrypt("x")) == "b"


def test_a_retired_key_makes_its_values_unreadable():
    old = RING_A.encrypt("secret")
    only_b = KeyRing(keys={"b": KEY_B}, active_id="b", blind_index_key=BLIND)
    with pytest.raises(DecryptionError):
        only_b.decrypt(old)


def test_a_tampered_value_is_refused():
    token = RING_A.encrypt("secret")
    body = token.split(":", 2)[2]
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(DecryptionError):
        RING_A.decrypt(f"v1:a:{flipped}")


def test_blind_index_is_deterministic_keyed_and_purpose_bound():
    other = KeyRing(keys={"a": KEY_A}, active_id="a", blind_index_key=os.urandom(32))
    digest = RING_A.blind_index("+821012345678", purpose="phone")
    assert digest == RING_A.blind_index("+821012345678", purpose="phone")
    assert digest != RING_A.blind_index("+821012345678", purpose="name_birth")
    assert digest != other.blind_index("+821012345678", purpose="phone")
    assert len(digest) == 64


@given(data=st.binary(max_size=5000), context=st.text(max_size=40))
def test_files_seal_and_open_with_their_context(data, context):
    sealed = RING_A.encrypt_bytes(data, context=context)
    if len(data) >= 16:  # (a byte or two may turn up in random ciphertext by chance)
        assert data not in sealed
    assert RING_A.decrypt_bytes(sealed, context=context) == data


def test_a_sealed_file_opens_only_with_its_key_its_context_and_untouched():
    sealed = RING_A.encrypt_bytes(b"\xff\xd8\xff photo bytes", context="file-1")
    rotated = KeyRing(keys={"b": KEY_B, "a": KEY_A}, active_id="b", blind_index_key=BLIND)
    assert rotated.decrypt_bytes(sealed, context="file-1") == b"\xff\xd8\xff photo bytes"
    with pytest.raises(DecryptionError):
        RING_A.decrypt_bytes(sealed, context="file-2")  # moved to another row
    with pytest.raises(DecryptionError):
        KeyRing(keys={"b": KEY_B}, active_id="b", blind_index_key=BLIND).decrypt_bytes(
            sealed, context="file-1"
        )
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(DecryptionError):
        RING_A.decrypt_bytes(tampered, context="file-1")
    with pytest.raises(DecryptionError):
        RING_A.decrypt_bytes(b"plain bytes", context="file-1")
