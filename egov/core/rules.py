"""Pure rules of the foundation: identifier codes and what each position may do.

No database here: these functions are tested alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

# ASCII digits only ("\d" would take any Unicode digit) and no "$" (which lets a trailing
# newline through): the patterns are used with fullmatch.
QCVN_RE = re.compile(r"([0-9]{3})\.([0-9]{2})\.([0-9]{2})\.([A-Z][0-9]{2})")
QD20_RE = re.compile(r"[A-Y][0-9]{2}(\.[0-9A-Z]+)*")


class CodeError(ValueError):
    """An identifier code that breaks the national rules; the message says why."""


@dataclass(frozen=True)
class QcvnCode:
    """A QCVN 102:2016 code, groups read right to left: level 1 is the letter group."""

    level4: str
    level3: str
    level2: str
    level1: str

    @classmethod
    def parse(cls, code: str) -> QcvnCode:
        match = QCVN_RE.fullmatch(code or "")
        if not match:
            raise CodeError(_(
                "“%(code)s” is not a QCVN 102:2016 identifier code: expected 13 characters "
                "like 000.00.00.G22 (three digits, two digits, two digits, a letter and "
                "two digits, separated by dots)."
            ) % {"code": code})
        parsed = cls(*match.groups())
        # Lower groups stay zero under a zero group: 000.05.00.G12 names no level.
        if parsed.level2 == "00" and (parsed.level3 != "00" or parsed.level4 != "000"):
            raise CodeError(_("“%(code)s”: a level-3 or level-4 group is filled while the "
                              "level-2 group is 00.") % {"code": code})
        if parsed.level3 == "00" and parsed.level4 != "000":
            raise CodeError(_("“%(code)s”: the level-4 group is filled while the level-3 "
                              "group is 00.") % {"code": code})
        return parsed

    @property
    def level(self) -> int:
        if self.level2 == "00":
            return 1
        if self.level3 == "00":
            return 2
        if self.level4 == "000":
            return 3
        return 4

    def groups(self) -> tuple[str, str, str, str]:
        """Groups from level 1 down to level 4."""
        return (self.level1, self.level2, self.level3, self.level4)

    def __str__(self) -> str:
        return f"{self.level4}.{self.level3}.{self.level2}.{self.level1}"


def code_level(code: str) -> int:
    """The administrative level (1–4) that a QCVN code names."""
    return QcvnCode.parse(code).level


def check_child_code(parent_code: str, child_code: str) -> None:
    """A unit's code copies its parent's groups and fills the next level's group."""
    parent = QcvnCode.parse(parent_code)
    child = QcvnCode.parse(child_code)
    if child.level != parent.level + 1:
        raise CodeError(_(
            "“%(child)s” is a level-%(child_level)d code, but a unit of “%(parent)s” "
            "(level %(parent_level)d) must have a level-%(expected)d code."
        ) % {"child": child_code, "child_level": child.level, "parent": parent_code,
             "parent_level": parent.level, "expected": parent.level + 1})
    if child.groups()[: parent.level] != parent.groups()[: parent.level]:
        raise CodeError(_(
            "“%(child)s” does not extend its parent's code “%(parent)s”: the groups of "
            "the levels above must be copied from the parent."
        ) % {"child": child_code, "parent": parent_code})


def check_qd20_code(code: str) -> None:
    if len(code) > 35 or not QD20_RE.fullmatch(code):
        raise CodeError(_(
            "“%(code)s” is not a QĐ 20/2020 identifier code: at most 35 characters, a "
            "letter A–Y and two digits, then dot-separated groups of digits and capital "
            "letters (e.g. G09.20)."
        ) % {"code": code})


def check_child_qd20_code(parent_code: str, child_code: str) -> None:
    """One dot-separated group per level: a unit's code is its parent's plus one group."""
    if not (child_code.startswith(parent_code + ".")
            and "." not in child_code[len(parent_code) + 1:]):
        raise CodeError(_(
            "“%(child)s” does not extend its parent's QĐ 20/2020 code “%(parent)s” by "
            "one group."
        ) % {"child": child_code, "parent": parent_code})


# --- positions and what they grant ---------------------------------------------------
#
# Permissions are "app_label.codename" strings, granted by the position an official holds
# (PositionBackend). Later parts add their own codenames to these sets.

AGENCY_LEADER = "agency_leader"
DEPUTY_LEADER = "deputy_leader"
UNIT_HEAD = "unit_head"
SPECIALIST = "specialist"
CLERK = "clerk"
ONE_STOP_OFFICER = "one_stop_officer"
GOVERNMENT_MEMBER = "government_member"

LEADERS = frozenset({AGENCY_LEADER, DEPUTY_LEADER})

_LEADER = {
    "core.view_audit",
    "core.view_unit_people",
    "documents.assign",
    "documents.approve",
    "documents.sign",
    "directives.assign",
    "services.approve_dossier",
    "services.view_statistics",
}
POSITION_PERMISSIONS: dict[str, frozenset[str]] = {
    AGENCY_LEADER: frozenset(_LEADER),
    DEPUTY_LEADER: frozenset(_LEADER),
    UNIT_HEAD: frozenset({
        "core.view_unit_people", "documents.assign_within_unit", "documents.review",
        "documents.process", "documents.draft", "services.process_dossier",
    }),
    SPECIALIST: frozenset({"documents.process", "documents.draft", "documents.keep_files",
                           "services.process_dossier"}),
    CLERK: frozenset({
        "documents.register_incoming", "documents.issue", "documents.view_registers",
        "exchange.send", "exchange.receive",
    }),
    ONE_STOP_OFFICER: frozenset({"services.receive_dossier", "services.process_dossier",
                                "services.view_statistics"}),
    GOVERNMENT_MEMBER: frozenset({"cabinet.attend", "cabinet.vote"}),
}


def permissions_for(positions: set[str] | frozenset[str]) -> frozenset[str]:
    granted: set[str] = set()
    for position in positions:
        granted |= POSITION_PERMISSIONS.get(position, frozenset())
    return frozenset(granted)
