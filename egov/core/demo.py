"""The demo data: a small, realistic slice of the Vietnamese state, loaded through the
actions (``egov load_demo``; ``make demo``).

Agencies carry their real QCVN 102:2016 codes where known (STANDARDS.md §1: G22 Văn
phòng Chính phủ, G09 Bộ Nội vụ, G12 Bộ Tài chính, G17 Bộ Xây dựng, H41 Nghệ An, H49 Quảng
Ninh, 000.00.18.G12 Tổng cục Thuế); the level-2 and level-3 codes of the other units follow
the QCVN form but are illustrative, not taken from the published lists. QĐ 20/2020 codes
use the level-1 form ``MX1X2`` of the same letter and number; their lower groups are
illustrative too.

Loading is idempotent: if the Government Office's code is already in the database the
demo counts as loaded and nothing is touched, so what people changed is kept.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field

from django.apps import apps as django_apps
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from . import actions
from .models import Organisation, Position, User

PASSWORD = "egov-demo-2026"  # noqa: S105 - the demo's published password (README)
MARKER_CODE = "000.00.00.G22"  # Văn phòng Chính phủ: its presence means "loaded"

K = Organisation.Kind


@dataclass
class Org:
    code: str
    name: str
    short_name: str
    kind: str
    qd20_code: str | None = None
    is_agency: bool | None = None  # default: agencies except units
    address: str = ""
    children: list[Org] = field(default_factory=list)


def _unit(code: str, name: str, short_name: str, qd20: str | None = None) -> Org:
    return Org(code, name, short_name, K.UNIT, qd20_code=qd20, is_agency=False)


TREE: list[Org] = [
    Org("000.00.00.G22", "Văn phòng Chính phủ", "VPCP", K.GOVERNMENT_OFFICE, "G22",
        address="Số 1 Hoàng Hoa Thám, Ba Đình, Hà Nội", children=[
            _unit("000.00.01.G22", "Vụ Hành chính", "HC", "G22.01"),
            _unit("000.00.02.G22", "Vụ Tổng hợp", "TH", "G22.02"),
            _unit("000.00.03.G22", "Vụ Pháp luật", "PL", "G22.03"),
            _unit("000.00.04.G22", "Cục Kiểm soát thủ tục hành chính", "KSTT", "G22.04"),
            _unit("000.00.05.G22", "Trung tâm Thông tin, Cổng Thông tin điện tử Chính phủ",
                  "TTĐT", "G22.05"),
        ]),
    Org("000.00.00.G09", "Bộ Nội vụ", "BNV", K.MINISTRY, "G09",
        address="Số 8 Tôn Thất Thuyết, Nam Từ Liêm, Hà Nội", children=[
            _unit("000.00.01.G09", "Văn phòng Bộ", "VP", "G09.01"),
            _unit("000.00.02.G09", "Vụ Tổ chức - Biên chế", "TCBC", "G09.02"),
            _unit("000.00.03.G09", "Vụ Chính quyền địa phương", "CQĐP", "G09.03"),
            # "G09.20" is the form seen in portal data; which unit it names is not known.
            _unit("000.00.20.G09", "Cục Văn thư và Lưu trữ nhà nước", "VTLT", "G09.20"),
        ]),
    Org("000.00.00.G12", "Bộ Tài chính", "BTC", K.MINISTRY, "G12",
        address="Số 28 Trần Hưng Đạo, Hoàn Kiếm, Hà Nội", children=[
            _unit("000.00.01.G12", "Văn phòng Bộ", "VP", "G12.01"),
            _unit("000.00.02.G12", "Vụ Ngân sách nhà nước", "NSNN", "G12.02"),
            _unit("000.00.03.G12", "Vụ Pháp chế", "PC", "G12.03"),
            # Tổng cục Thuế: the QCVN's own example of a level-2 code (Phụ lục D).
            Org("000.00.18.G12", "Tổng cục Thuế", "TCT", K.AGENCY, "G12.18", is_agency=True),
        ]),
    Org("000.00.00.G17", "Bộ Xây dựng", "BXD", K.MINISTRY, "G17",
        address="Số 37 Lê Đại Hành, Hai Bà Trưng, Hà Nội", children=[
            _unit("000.00.01.G17", "Văn phòng Bộ", "VP", "G17.01"),
            _unit("000.00.02.G17", "Vụ Quy hoạch - Kiến trúc", "QHKT", "G17.02"),
        ]),
    # unverified: G15 for Bộ Tư pháp is a plausible guess, not checked against the QCVN
    # list of ministries' codes.
    Org("000.00.00.G15", "Bộ Tư pháp", "BTP", K.MINISTRY, "G15",
        address="Số 58-60 Trần Phú, Ba Đình, Hà Nội", children=[
            _unit("000.00.01.G15", "Văn phòng Bộ", "VP", "G15.01"),
            _unit("000.00.02.G15", "Vụ Pháp luật hình sự - hành chính", "PLHSHC", "G15.02"),
        ]),
    Org("000.00.00.H49", "UBND tỉnh Quảng Ninh", "UBND", K.PROVINCE, "H49",
        address="Trung tâm Chính trị - Hành chính tỉnh, phường Hồng Hà, Hạ Long, Quảng Ninh",
        children=[
            Org("000.00.01.H49", "Văn phòng UBND tỉnh Quảng Ninh", "VP", K.DEPARTMENT, "H49.01"),
            Org("000.00.02.H49", "Sở Nội vụ tỉnh Quảng Ninh", "SNV", K.DEPARTMENT, "H49.02"),
            Org("000.00.03.H49", "Sở Tài chính tỉnh Quảng Ninh", "STC", K.DEPARTMENT, "H49.03"),
            Org("000.00.04.H49", "Sở Tư pháp tỉnh Quảng Ninh", "STP", K.DEPARTMENT, "H49.04"),
            Org("000.00.05.H49", "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
                "TTPVHCC", K.AGENCY, "H49.05"),
            Org("000.00.20.H49", "UBND thành phố Hạ Long", "UBND", K.DISTRICT, "H49.20",
                children=[
                    _unit("000.01.20.H49", "Văn phòng HĐND và UBND thành phố Hạ Long", "VP",
                          "H49.20.01"),
                    _unit("000.02.20.H49", "Phòng Nội vụ thành phố Hạ Long", "PNV",
                          "H49.20.02"),
                    _unit("000.03.20.H49", "Bộ phận Tiếp nhận và Trả kết quả thành phố "
                          "Hạ Long", "TN&TKQ", "H49.20.03"),
                ]),
            Org("000.00.21.H49", "UBND huyện Vân Đồn", "UBND", K.DISTRICT, "H49.21",
                children=[
                    _unit("000.01.21.H49", "Văn phòng HĐND và UBND huyện Vân Đồn", "VP",
                          "H49.21.01"),
                ]),
        ]),
    Org("000.00.00.H41", "UBND tỉnh Nghệ An", "UBND", K.PROVINCE, "H41",
        address="Số 03 Trường Thi, thành phố Vinh, Nghệ An", children=[
            Org("000.00.01.H41", "Văn phòng UBND tỉnh Nghệ An", "VP", K.DEPARTMENT, "H41.01"),
            Org("000.00.02.H41", "Sở Nội vụ tỉnh Nghệ An", "SNV", K.DEPARTMENT, "H41.02"),
            Org("000.00.03.H41", "Sở Tài chính tỉnh Nghệ An", "STC", K.DEPARTMENT, "H41.03"),
            Org("000.00.20.H41", "UBND thành phố Vinh", "UBND", K.DISTRICT, "H41.20", children=[
                _unit("000.01.20.H41", "Văn phòng HĐND và UBND thành phố Vinh", "VP",
                      "H41.20.01"),
                _unit("000.02.20.H41", "Phòng Tài chính - Kế hoạch thành phố Vinh", "TCKH",
                      "H41.20.02"),
            ]),
            Org("000.00.21.H41", "UBND huyện Nghi Lộc", "UBND", K.DISTRICT, "H41.21", children=[
                _unit("000.01.21.H41", "Văn phòng HĐND và UBND huyện Nghi Lộc", "VP",
                      "H41.21.01"),
            ]),
        ]),
]


@dataclass(frozen=True)
class Person:
    username: str
    full_name: str
    role: str  # shown in the sign-in table (English; the interface translates positions)
    unit_code: str | None = None
    position: str | None = None
    title: str = ""
    kind: str = User.Kind.OFFICIAL
    personal_id: str | None = None
    tax_code: str | None = None
    administrator: bool = False


PEOPLE: list[Person] = [
    Person("vanthu", "Nguyễn Thị Hoa", "records clerk (văn thư), Văn phòng Bộ Tài chính",
           "000.00.01.G12", Position.CLERK, "Văn thư"),
    Person("chuyenvien", "Trần Minh Tuấn",
           "specialist (chuyên viên), Vụ Ngân sách nhà nước, Bộ Tài chính",
           "000.00.02.G12", Position.SPECIALIST, "Chuyên viên chính"),
    Person("vutruong", "Lê Quang Huy",
           "unit head (Vụ trưởng), Vụ Ngân sách nhà nước, Bộ Tài chính",
           "000.00.02.G12", Position.UNIT_HEAD, "Vụ trưởng"),
    Person("lanhdao", "Phạm Văn Thành", "agency leader (Bộ trưởng), Bộ Tài chính",
           "000.00.00.G12", Position.AGENCY_LEADER, "Bộ trưởng"),
    Person("capho", "Đặng Thu Hà", "deputy leader (Thứ trưởng), Bộ Tài chính",
           "000.00.00.G12", Position.DEPUTY_LEADER, "Thứ trưởng"),
    Person("giamdoc.pvhcc", "Đỗ Minh Quang",
           "agency leader, Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh: approves dossiers",
           "000.00.05.H49", Position.AGENCY_LEADER, "Giám đốc Trung tâm"),
    Person("motcua", "Vũ Thị Lan",
           "one-stop officer, Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
           "000.00.05.H49", Position.ONE_STOP_OFFICER, "Công chức tiếp nhận hồ sơ"),
    Person("thanhvien", "Hoàng Đức Minh", "Government member (Bộ trưởng Bộ Tư pháp)",
           "000.00.00.G15", Position.GOVERNMENT_MEMBER, "Bộ trưởng Bộ Tư pháp"),
    Person("thutuong", "Nguyễn Quốc Phong",
           "Government member (Thủ tướng Chính phủ): chairs e-Cabinet meetings",
           "000.00.00.G22", Position.GOVERNMENT_MEMBER, "Thủ tướng Chính phủ"),
    Person("tv.bxd", "Trần Hồng Quân", "Government member (Bộ trưởng Bộ Xây dựng)",
           "000.00.00.G17", Position.GOVERNMENT_MEMBER, "Bộ trưởng Bộ Xây dựng"),
    Person("tv.bnv", "Phạm Thị Thanh Hà", "Government member (Bộ trưởng Bộ Nội vụ)",
           "000.00.00.G09", Position.GOVERNMENT_MEMBER, "Bộ trưởng Bộ Nội vụ"),
    Person("vanphong", "Trần Thu Trang",
           "specialist, Vụ Tổng hợp, Văn phòng Chính phủ: meetings, ballots, task review",
           "000.00.02.G22", Position.SPECIALIST, "Chuyên viên cao cấp"),
    Person("vanthu.qn", "Bùi Thị Ngọc", "records clerk, Văn phòng UBND tỉnh Quảng Ninh",
           "000.00.01.H49", Position.CLERK, "Văn thư"),
    Person("quantri", "Ngô Quang Khải",
           "administrator (superuser), Trung tâm Thông tin, Văn phòng Chính phủ",
           "000.00.05.G22", Position.SPECIALIST, "Quản trị hệ thống", administrator=True),
    Person("congdan", "Trần Thị Mai", "citizen (người dân), Hạ Long",
           kind=User.Kind.CITIZEN, personal_id="022190001234"),
    Person("doanhnghiep", "Công ty TNHH Thương mại Hạ Long Xanh", "business (doanh nghiệp)",
           kind=User.Kind.BUSINESS, tax_code="5701234567"),
]


@dataclass
class LoadResult:
    loaded: bool  # False: the demo was already there, nothing changed
    organisations: int = 0
    people: int = 0
    seconds: float = 0.0


def is_loaded() -> bool:
    return Organisation.objects.filter(code=MARKER_CODE).exists()


def _create_tree(nodes: list[Org], parent: Organisation | None, codes: dict[str, Organisation]
                 ) -> None:
    for node in nodes:
        data: dict[str, object] = {
            "name": node.name, "short_name": node.short_name, "code": node.code,
            "qd20_code": node.qd20_code, "kind": node.kind, "address": node.address,
        }
        if node.is_agency is not None:
            data["is_agency"] = node.is_agency
        org = actions.do_create_organisation(acting_user=None, parent=parent, **data)
        codes[org.code] = org
        _create_tree(node.children, org, codes)


def load() -> LoadResult:
    """Create the demo organisations and people, once. All or nothing."""
    started = time.monotonic()
    if is_loaded():
        return LoadResult(loaded=False)
    password_hash = make_password(PASSWORD)  # hashing is slow on purpose: do it once
    codes: dict[str, Organisation] = {}
    with transaction.atomic():
        _create_tree(TREE, None, codes)
        for person in PEOPLE:
            if person.kind == User.Kind.OFFICIAL:
                assert person.unit_code and person.position
                user = actions.do_create_official(
                    acting_user=None, username=person.username, full_name=person.full_name,
                    unit=codes[person.unit_code], position=person.position,
                    title=person.title, email=f"{person.username}@demo.egov.vn",
                    password_hash=password_hash)
                if person.administrator:
                    actions.do_update_account(user, acting_user=None, is_staff=True,
                                              is_superuser=True)
            else:
                actions.do_create_public_account(
                    username=person.username, full_name=person.full_name, kind=person.kind,
                    password=PASSWORD, password_hash=password_hash,
                    email=f"{person.username}@example.vn", personal_id=person.personal_id,
                    tax_code=person.tax_code)
        _load_parts(codes)
    return LoadResult(loaded=True, organisations=len(codes), people=len(PEOPLE),
                      seconds=time.monotonic() - started)


def _load_parts(codes: dict[str, Organisation]) -> None:
    """Let each installed part add its demo data (documents, …) in the same transaction.

    A part contributes a module ``egov.<part>.demo`` with ``load(codes)``; core imports
    none of them by name, so the arrows stay one-way."""
    for config in django_apps.get_app_configs():
        if config.name.startswith("egov.") and config.label != "core" and \
                module_has_submodule(config.module, "demo"):
            importlib.import_module(f"{config.name}.demo").load(codes)


def signins() -> list[tuple[str, str, str]]:
    """(user name, password, role) of the demo accounts that still exist and are active
    (someone may have changed a password since: this cannot tell)."""
    present = set(User.objects.filter(username__in=[p.username for p in PEOPLE],
                                      is_active=True).values_list("username", flat=True))
    return [(p.username, PASSWORD, p.role) for p in PEOPLE if p.username in present]


def signins_table(rows: list[tuple[str, str, str]] | None = None) -> str:
    """The demo sign-ins as a plain-text table (for the terminal and the README)."""
    rows = signins() if rows is None else rows
    header = ("user name", "password", "role")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"

    def fmt(row: tuple[str, str, str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    return "\n".join([line, fmt(header), line, *(fmt(r) for r in rows), line])
