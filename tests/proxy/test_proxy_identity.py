"""Identity binding through the HTTP client and the sandbox over real HTTP."""

from __future__ import annotations

import pytest
from proxy_helpers import CHEN, LI

from proxy.client import HttpCoreServices
from proxy.core import (
    IdentityMismatch,
    InvalidRequest,
    NotFound,
    VerificationExpired,
    WrongCode,
)
from proxy.sandbox.seed import person_ref


def test_binding_with_the_one_time_code(core: HttpCoreServices) -> None:
    verification = core.start_verification(CHEN.id_number, CHEN.name, CHEN.phone)
    assert verification.phone_masked == "138****8000"
    assert verification.expires_at.tzinfo is not None

    identity = core.confirm_verification(verification.verification_id, "123456")

    assert identity.person_ref == person_ref(CHEN.id_number)
    assert identity.name_masked == "陈*明"
    assert identity.region == "江门市"


def test_wrong_code_then_right_code(core: HttpCoreServices) -> None:
    verification = core.start_verification(LI.id_number, LI.name, LI.phone)

    with pytest.raises(WrongCode) as wrong:
        core.confirm_verification(verification.verification_id, "654321")
    assert wrong.value.attempts_left == 4
    assert "验证码不正确" in wrong.value.message and "4" in wrong.value.message

    identity = core.confirm_verification(verification.verification_id, "123456")
    assert identity.region == "茂名市"
    assert identity.name_masked == "李*英"


def test_too_many_wrong_codes_end_the_verification(core: HttpCoreServices) -> None:
    verification = core.start_verification(CHEN.id_number, CHEN.name, CHEN.phone)
    for left in (4, 3, 2, 1):
        with pytest.raises(WrongCode) as wrong:
            core.confirm_verification(verification.verification_id, "000000")
        assert wrong.value.attempts_left == left

    with pytest.raises(VerificationExpired):
        core.confirm_verification(verification.verification_id, "000000")
    with pytest.raises(VerificationExpired) as expired:  # even the right code, now
        core.confirm_verification(verification.verification_id, "123456")
    assert "重新获取验证码" in expired.value.message


def test_a_phone_not_on_record_is_a_mismatch_without_saying_which_field(
    core: HttpCoreServices,
) -> None:
    with pytest.raises(IdentityMismatch) as mismatch:
        core.start_verification(CHEN.id_number, CHEN.name, "13912345678")
    assert "身份证号" in mismatch.value.message and "手机号" in mismatch.value.message

    with pytest.raises(IdentityMismatch):
        core.start_verification(CHEN.id_number, "陈大明", CHEN.phone)


def test_an_id_number_with_a_wrong_check_digit_is_refused(core: HttpCoreServices) -> None:
    with pytest.raises(InvalidRequest) as invalid:
        core.start_verification("440703199001011238", CHEN.name, CHEN.phone)
    assert "身份证号码" in invalid.value.message


def test_an_unknown_verification_is_not_found(core: HttpCoreServices) -> None:
    with pytest.raises(NotFound):
        core.confirm_verification("ver_does_not_exist", "123456")
