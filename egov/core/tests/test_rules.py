"""Identifier codes (QCVN 102:2016 and QĐ 20/2020) and the rights each position grants.

Pure functions: no database.
"""

from __future__ import annotations

import pytest
from django.utils import translation
from hypothesis import example, given
from hypothesis import strategies as st

from egov.core import rules
from egov.core.rules import CodeError, QcvnCode

# --- QCVN 102:2016 -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("000.00.00.G22", 1),  # Văn phòng Chính phủ
        ("000.00.00.G12", 1),  # Bộ Tài chính
        ("000.00.00.H49", 1),  # UBND tỉnh Quảng Ninh
        ("000.00.18.G12", 2),  # Tổng cục Thuế (QCVN Phụ lục D)
        ("000.05.18.G12", 3),
        ("123.05.18.G12", 4),
    ],
)
def test_level_is_read_right_to_left(code: str, level: int) -> None:
    assert rules.code_level(code) == level
    assert QcvnCode.parse(code).level == level
    assert str(QcvnCode.parse(code)) == code


def test_groups_run_from_level_one_down() -> None:
    parsed = QcvnCode.parse("123.05.18.G12")
    assert parsed.groups() == ("G12", "18", "05", "123")
    assert (parsed.level1, parsed.level2, parsed.level3, parsed.level4) == (
        "G12", "18", "05", "123")


@pytest.mark.parametrize(
    "code",
    [
        "",
        "000.00.00.G2",  # 12 characters
        "000.00.00.G123",  # 14 characters
        "000.00.00.g12",  # lower-case letter
        "000.00.00.122",  # no letter
        "000-00-00-G12",  # wrong separator
        "000.00.00G12.",
        "00.000.00.G12",  # groups of the wrong width
        "G12.00.00.000",  # written left to right
        " 000.00.00.G12",  # padded
        "000.00.00.G12 ",
        "000.00.00.G12\n",  # "$" alone would let this through
        "٠٠٠.٠٠.٠٠.G١٢",  # Arabic-Indic digits: "\d" alone would let these through
        "000.00.00.Đ12",
        "000.05.00.G12",  # level 3 filled under an empty level 2
        "001.00.00.G12",  # level 4 filled under empty levels 2 and 3
        "001.00.18.G12",  # level 4 filled under an empty level 3
    ],
)
def test_bad_codes_are_refused_with_the_code_in_the_message(code: str) -> None:
    with pytest.raises(CodeError) as caught:
        QcvnCode.parse(code)
    assert code.strip() in str(caught.value)
    with pytest.raises(CodeError):
        rules.code_level(code)


def test_example_of_the_standard_is_a_valid_child() -> None:
    # Bộ Tài chính → Tổng cục Thuế
    rules.check_child_code("000.00.00.G12", "000.00.18.G12")
    rules.check_child_code("000.00.18.G12", "000.07.18.G12")
    rules.check_child_code("000.07.18.G12", "305.07.18.G12")


@pytest.mark.parametrize(
    ("parent", "child", "reason"),
    [
        ("000.00.00.G12", "000.00.18.G22", "does not extend"),  # another ministry
        ("000.00.18.G12", "000.01.17.G12", "does not extend"),  # another level-2 group
        ("000.00.00.G12", "000.01.18.G12", "level-3"),  # skips a level
        ("000.00.00.G12", "000.00.00.G12", "level-1"),  # itself
        ("000.00.18.G12", "000.00.00.G12", "level-1"),  # its parent
        ("000.00.18.G12", "000.00.19.G12", "level-2"),  # a sibling
        ("123.05.18.G12", "124.05.18.G12", "level-4"),  # below level 4 there is nothing
    ],
)
def test_child_code_must_fill_the_next_group_of_the_parents(
    parent: str, child: str, reason: str
) -> None:
    # The reason is checked in English (the interface is Vietnamese by default).
    with translation.override("en"), pytest.raises(CodeError) as caught:
        rules.check_child_code(parent, child)
    assert reason in str(caught.value)
    assert child in str(caught.value)


def test_child_check_refuses_a_malformed_parent_or_child() -> None:
    with pytest.raises(CodeError):
        rules.check_child_code("000.00.00.G1", "000.00.18.G12")
    with pytest.raises(CodeError):
        rules.check_child_code("000.00.00.G12", "000.00.18.G1")


letters = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _digits(width: int, *, nonzero: bool) -> st.SearchStrategy[str]:
    low = 1 if nonzero else 0
    return st.integers(min_value=low, max_value=10**width - 1).map(
        lambda n: str(n).zfill(width))


@st.composite
def parent_codes(draw: st.DrawFn) -> str:
    """A valid code of level 1, 2 or 3 (a level-4 code has no children)."""
    level = draw(st.integers(min_value=1, max_value=3))
    level1 = draw(letters) + draw(_digits(2, nonzero=False))
    level2 = draw(_digits(2, nonzero=True)) if level >= 2 else "00"
    level3 = draw(_digits(2, nonzero=True)) if level >= 3 else "00"
    return f"000.{level3}.{level2}.{level1}"


def _child_of(parent: str, group: int) -> str:
    """The parent's code with the next level's group filled with ``group``."""
    level4, level3, level2, level1 = parent.split(".")
    level = rules.code_level(parent)
    if level == 1:
        level2 = str(group % 100 or 1).zfill(2)
    elif level == 2:
        level3 = str(group % 100 or 1).zfill(2)
    else:
        level4 = str(group % 1000 or 1).zfill(3)
    return f"{level4}.{level3}.{level2}.{level1}"


@given(parent=parent_codes(), group=st.integers(min_value=1, max_value=999))
@example(parent="000.00.00.G12", group=18)
def test_any_child_filling_the_next_group_passes_one_level_down(
    parent: str, group: int
) -> None:
    child = _child_of(parent, group)
    rules.check_child_code(parent, child)
    assert rules.code_level(child) == rules.code_level(parent) + 1
    # and the parent is never a valid child of its child
    with pytest.raises(CodeError):
        rules.check_child_code(child, parent)


@given(parent=parent_codes(), group=st.integers(min_value=1, max_value=999),
       letter=letters)
def test_a_child_under_another_level_one_group_never_passes(
    parent: str, group: int, letter: str
) -> None:
    child = _child_of(parent, group)
    other = child[:-3] + letter + ("13" if child[-2:] != "13" else "14")
    with pytest.raises(CodeError):
        rules.check_child_code(parent, other)


@given(st.text(max_size=20))
def test_parse_accepts_exactly_the_documented_pattern(text: str) -> None:
    import re

    documented = re.fullmatch(r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}", text)
    try:
        parsed = QcvnCode.parse(text)
    except CodeError:
        if documented:
            # Only the zero-group rule may refuse a code of the right form.
            level4, level3, level2, _ = text.split(".")
            assert (level2 == "00" and (level3 != "00" or level4 != "000")) or (
                level3 == "00" and level4 != "000")
    else:
        assert documented
        assert str(parsed) == text


# --- QĐ 20/2020 ----------------------------------------------------------------------


@pytest.mark.parametrize("code", ["G09", "G09.20", "H55.242", "A00.1.B2", "Y99.ABC",
                                  "H55." + "1" * 31])
def test_qd20_codes_seen_in_portal_data_pass(code: str) -> None:
    rules.check_qd20_code(code)


@pytest.mark.parametrize(
    "code",
    ["", "G9", "Z09", "g09", "G09.", "G09..20", "G09.2a", "G09-20", "G09.20\n", " G09",
     "H55." + "1" * 32],  # 36 characters
)
def test_bad_qd20_codes_are_refused(code: str) -> None:
    with pytest.raises(CodeError) as caught:
        rules.check_qd20_code(code)
    assert "QĐ 20/2020" in str(caught.value)


def test_qd20_child_adds_exactly_one_group() -> None:
    rules.check_child_qd20_code("G09", "G09.20")
    rules.check_child_qd20_code("H55.242", "H55.242.7")
    for child in ["G09", "G09.20.1", "G090.20", "G10.20", "G0920"]:
        with pytest.raises(CodeError):
            rules.check_child_qd20_code("G09", child)


# --- positions -----------------------------------------------------------------------


def test_clerk_registers_incoming_documents_and_a_specialist_does_not() -> None:
    assert "documents.register_incoming" in rules.permissions_for({rules.CLERK})
    assert "documents.register_incoming" not in rules.permissions_for({rules.SPECIALIST})
    assert "documents.process" in rules.permissions_for({rules.SPECIALIST})


def test_concurrent_positions_add_up() -> None:
    both = rules.permissions_for({rules.CLERK, rules.SPECIALIST})
    assert both == (rules.POSITION_PERMISSIONS[rules.CLERK]
                    | rules.POSITION_PERMISSIONS[rules.SPECIALIST])
    assert rules.permissions_for(set()) == frozenset()
    assert rules.permissions_for({"no_such_position"}) == frozenset()


def test_every_position_of_the_model_has_its_rights() -> None:
    from egov.core.models import Position

    assert set(Position.values) == set(rules.POSITION_PERMISSIONS)
