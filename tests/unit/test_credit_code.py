"""GB 32100-2015 unified social credit code: 18 characters, check digit by weights mod 31.

Why a single substitution is always caught: the alphabet has 31 characters (a prime) and
every weight is 3**i mod 31, never 0 mod 31. Changing position i (of the first 17) from
value a to value b != a changes the weighted sum by (b - a) * w_i, where 0 < |b - a| < 31,
so the sum mod 31 (and with it the check character) always changes. Changing the 18th
character itself to anything else makes it differ from the computed one. The same argument
covers adjacent transpositions among the first 17: (a - b) * (w_i - w_{i+1}) with
w_i - w_{i+1} = -2 * 3**i, again non-zero mod 31.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.accident_notice import Employer
from domain.common import (
    CREDIT_CODE_ALPHABET,
    CREDIT_CODE_WEIGHTS,
    InvalidValue,
    check_credit_code,
    credit_code_check_char,
    credit_code_problem,
)
from domain.messages import Msg

# Codes as published by registered enterprises (not computed by the code under test).
PUBLISHED_CODES = [
    "91350100M000100Y43",  # the worked example used in GB 32100-2015 guidance
    "91330100799655058B",
    "91440300708461136T",
    "914403001922038216",
    "91110000802100433B",
]

# First 17 characters in the real format (department, type, 6-digit area code,
# 9-character organisation code); their check characters are computed below.
REAL_FORMAT_FIRST17 = [
    "91110108MA01ABCD1",
    "12100000400000624",
    "52310000MJ4900012",
    "93440300MA5FXXX0X",
    "Y1350102000000001",
]

code_alphabet_st = st.sampled_from(CREDIT_CODE_ALPHABET)
first17_st = st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=17, max_size=17)
valid_code_st = first17_st.map(lambda f: f + credit_code_check_char(f))


def test_alphabet_is_31_characters_without_i_o_z_s_v() -> None:
    assert len(CREDIT_CODE_ALPHABET) == 31
    assert len(set(CREDIT_CODE_ALPHABET)) == 31
    assert not set("IOZSV") & set(CREDIT_CODE_ALPHABET)
    assert set("0123456789") <= set(CREDIT_CODE_ALPHABET)


def test_weights_are_powers_of_three_mod_31() -> None:
    assert list(CREDIT_CODE_WEIGHTS) == [pow(3, i, 31) for i in range(17)]


@pytest.mark.parametrize("code", PUBLISHED_CODES)
def test_published_codes_are_valid(code: str) -> None:
    assert credit_code_check_char(code[:17]) == code[17]
    assert credit_code_problem(code) is None
    assert check_credit_code(code) == code


@pytest.mark.parametrize("first17", REAL_FORMAT_FIRST17)
def test_codes_with_computed_check_character_are_valid(first17: str) -> None:
    code = first17 + credit_code_check_char(first17)
    assert credit_code_problem(code) is None
    assert Employer("某某公司", code, "construction", 5).credit_code == code


def test_check_character_worked_example() -> None:
    # By hand, value * weight over "91350100M000100Y4" (M = 21, Y = 30):
    # 9*1 + 1*3 + 3*9 + 5*27 + 1*26 + 21*20 + 1*8 + 30*30 + 4*28 = 1640;
    # 1640 mod 31 = 28; 31 - 28 = 3 -> "3".
    assert 9 + 3 + 27 + 135 + 26 + 420 + 8 + 900 + 112 == 1640
    assert credit_code_check_char("91350100M000100Y4") == "3"


def test_check_value_zero_maps_to_character_0() -> None:
    # All-zero body: sum 0, (31 - 0) mod 31 = 0, so the check character is "0", not index 31.
    assert credit_code_check_char("0" * 17) == "0"
    assert credit_code_problem("0" * 18) is None


def test_wrong_check_digit_is_rejected_with_a_message() -> None:
    code = PUBLISHED_CODES[0][:17] + "4"
    problem = credit_code_problem(code)
    assert problem == Msg("credit_code_check_digit", {"given": "4", "expected": "3"})
    assert str(problem) == "unified social credit code check digit is 4, GB 32100-2015 gives 3"
    assert problem.text("zh-CN") == "统一社会信用代码校验位为 4，按 GB 32100-2015 应为 3"
    with pytest.raises(InvalidValue) as caught:
        check_credit_code(code)
    assert caught.value.field == "credit_code"
    assert "check digit is 4" in caught.value.message


def test_employer_rejects_wrong_check_digit_naming_the_field() -> None:
    with pytest.raises(InvalidValue) as caught:
        Employer("某某公司", PUBLISHED_CODES[1][:17] + "C", "retail", 2)
    assert caught.value.field == "employer.credit_code"
    assert "GB 32100-2015 gives B" in caught.value.message


@pytest.mark.parametrize("length", [0, 1, 15, 17, 19, 20])
def test_wrong_length_is_rejected(length: int) -> None:
    code = (PUBLISHED_CODES[0] * 2)[:length]
    assert credit_code_problem(code) == Msg("credit_code_length", {"length": length})
    with pytest.raises(InvalidValue, match=f"got {length}"):
        check_credit_code(code, "x")


@pytest.mark.parametrize("letter", list("IOZSV"))
@pytest.mark.parametrize("position", [0, 8, 16, 17])
def test_forbidden_letters_are_rejected(letter: str, position: int) -> None:
    code = PUBLISHED_CODES[0]
    bad = code[:position] + letter + code[position + 1:]
    problem = credit_code_problem(bad)
    assert problem is not None
    assert problem.code == "credit_code_characters"
    assert "not allowed" in str(problem)
    assert str(problem).endswith(letter)
    with pytest.raises(InvalidValue, match="not allowed"):
        check_credit_code(bad)


def test_forbidden_letters_are_all_named_sorted() -> None:
    bad = "9135010OI000100Y4Z"
    assert credit_code_problem(bad) == Msg("credit_code_characters", {"chars": "IOZ"})


@pytest.mark.parametrize("char", ["a", "m", "-", " ", "中"])
def test_lower_case_and_other_characters_are_rejected(char: str) -> None:
    bad = char + PUBLISHED_CODES[0][1:]
    problem = credit_code_problem(bad)
    assert problem is not None
    assert "not allowed" in str(problem)


@given(valid_code_st)
def test_generated_codes_are_valid(code: str) -> None:
    assert credit_code_problem(code) is None


@given(valid_code_st, st.integers(min_value=0, max_value=17), code_alphabet_st)
def test_any_single_substitution_is_detected(code: str, position: int, char: str) -> None:
    if code[position] == char:
        # Not a substitution; pick the next character of the alphabet instead.
        char = CREDIT_CODE_ALPHABET[(CREDIT_CODE_ALPHABET.index(char) + 1) % 31]
    changed = code[:position] + char + code[position + 1:]
    assert changed != code
    problem = credit_code_problem(changed)
    assert problem is not None
    assert problem.code == "credit_code_check_digit"


@pytest.mark.parametrize("position", range(18))
def test_every_substitution_at_every_position_of_a_published_code_is_detected(
    position: int,
) -> None:
    code = PUBLISHED_CODES[0]
    for char in CREDIT_CODE_ALPHABET:
        if char == code[position]:
            continue
        changed = code[:position] + char + code[position + 1:]
        assert credit_code_problem(changed) is not None, changed


@given(valid_code_st, st.integers(min_value=0, max_value=15))
def test_adjacent_transpositions_in_the_body_are_detected(code: str, i: int) -> None:
    swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
    if swapped == code:
        return  # equal neighbours: nothing was transposed
    assert credit_code_problem(swapped) is not None
