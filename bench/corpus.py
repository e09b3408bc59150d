"""Realistic Vietnamese administrative documents for the benchmarks.

Pure Python, no Django: the organisations of a deployment (ministries and provinces with
their units), officials' names, document subjects (trích yếu) built from templates by
document type, and a few hundred words of prose for each file, the way Vietnamese
administrative documents read (căn cứ …, đề nghị …, nơi nhận …), with correct diacritics.
Everything is drawn from a ``random.Random`` the caller seeds, so one seed gives one corpus.

``QUERIES`` is the fixed list of 50 search queries: 25 with diacritics and the same 25
typed without them (``quyết định đất đai`` and ``quyet dinh dat dai``).
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# --- organisations ----------------------------------------------------------------------


@dataclass(frozen=True)
class AgencySpec:
    letter_code: str  # the level-1 group of the QCVN 102:2016 code, e.g. "G12"
    name: str
    short_name: str  # used in document symbols: 12/QĐ-BTC, 345/UBND-VP
    kind: str  # Organisation.Kind value
    place: str  # where its documents are dated ("Hà Nội, ngày …")
    leader_title: str
    deputy_title: str


@dataclass(frozen=True)
class UnitSpec:
    name: str  # "{agency}" is replaced by the agency's name
    short_name: str
    head_title: str


MINISTRIES: list[tuple[str, str, str]] = [
    ("G01", "Văn phòng Chính phủ", "VPCP"),
    ("G02", "Bộ Tài chính", "BTC"),
    ("G03", "Bộ Nội vụ", "BNV"),
    ("G04", "Bộ Tư pháp", "BTP"),
    ("G05", "Bộ Công Thương", "BCT"),
    ("G06", "Bộ Xây dựng", "BXD"),
    ("G07", "Bộ Nông nghiệp và Môi trường", "BNNMT"),
    ("G08", "Bộ Giáo dục và Đào tạo", "BGDĐT"),
    ("G09", "Bộ Y tế", "BYT"),
    ("G10", "Bộ Khoa học và Công nghệ", "BKHCN"),
    ("G11", "Bộ Văn hóa, Thể thao và Du lịch", "BVHTTDL"),
    ("G12", "Bộ Ngoại giao", "BNG"),
    ("G13", "Bộ Dân tộc và Tôn giáo", "BDTTG"),
    ("G14", "Thanh tra Chính phủ", "TTCP"),
    ("G15", "Ngân hàng Nhà nước Việt Nam", "NHNN"),
    ("G16", "Kiểm toán Nhà nước", "KTNN"),
]

PROVINCES: list[str] = [
    "Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế", "Quảng Ninh",
    "Lào Cai", "Thái Nguyên", "Lạng Sơn", "Cao Bằng", "Tuyên Quang", "Điện Biên",
    "Lai Châu", "Sơn La", "Phú Thọ", "Bắc Ninh", "Hưng Yên", "Ninh Bình", "Thanh Hóa",
    "Nghệ An", "Hà Tĩnh", "Quảng Trị", "Quảng Ngãi", "Gia Lai", "Đắk Lắk", "Khánh Hòa",
    "Lâm Đồng", "Đồng Nai", "Tây Ninh", "Đồng Tháp", "Vĩnh Long", "An Giang", "Cà Mau",
]
CITIES = {"Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế"}

MINISTRY_UNITS = [
    UnitSpec("Văn phòng", "VP", "Chánh Văn phòng"),
    UnitSpec("Vụ Pháp chế", "PC", "Vụ trưởng"),
    UnitSpec("Vụ Kế hoạch – Tài chính", "KHTC", "Vụ trưởng"),
    UnitSpec("Vụ Tổ chức cán bộ", "TCCB", "Vụ trưởng"),
    UnitSpec("Thanh tra", "TT", "Chánh Thanh tra"),
    UnitSpec("Vụ Hợp tác quốc tế", "HTQT", "Vụ trưởng"),
]
PROVINCE_UNITS = [
    UnitSpec("Văn phòng Ủy ban nhân dân", "VP", "Chánh Văn phòng"),
    UnitSpec("Phòng Kinh tế ngành", "KTN", "Trưởng phòng"),
    UnitSpec("Phòng Tổng hợp", "TH", "Trưởng phòng"),
    UnitSpec("Phòng Nội chính", "NC", "Trưởng phòng"),
    UnitSpec("Phòng Khoa giáo – Văn xã", "KGVX", "Trưởng phòng"),
    UnitSpec("Ban Tiếp công dân", "TCD", "Trưởng ban"),
]


def locality(province: str) -> str:
    """"thành phố Hà Nội" for the centrally-run cities, "tỉnh Quảng Ninh" otherwise."""
    return f"{'thành phố' if province in CITIES else 'tỉnh'} {province}"


def province_name(province: str) -> str:
    return f"Ủy ban nhân dân {locality(province)}"


def agencies(count: int) -> list[AgencySpec]:
    """``count`` agencies: the ministries first, then the provinces (at most 50)."""
    specs = [AgencySpec(code, name, abbr, "ministry", "Hà Nội", "Bộ trưởng", "Thứ trưởng")
             for code, name, abbr in MINISTRIES]
    specs[0] = AgencySpec("G01", "Văn phòng Chính phủ", "VPCP", "ministry", "Hà Nội",
                          "Bộ trưởng, Chủ nhiệm", "Phó Chủ nhiệm")
    for n, province in enumerate(PROVINCES, start=1):
        specs.append(AgencySpec(f"H{n:02d}", province_name(province), "UBND", "province",
                                province, "Chủ tịch", "Phó Chủ tịch"))
    if count > len(specs):
        raise ValueError(f"at most {len(specs)} agencies")
    return specs[:count]


def units_of(agency: AgencySpec) -> list[UnitSpec]:
    return MINISTRY_UNITS if agency.kind == "ministry" else PROVINCE_UNITS


# --- people -----------------------------------------------------------------------------

SURNAMES = ["Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Hoàng",
            "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
            "Đinh", "Trịnh", "Mai", "Tạ", "Lương", "Cao", "Đoàn", "Hà"]
MIDDLE_MALE = ["Văn", "Văn", "Hữu", "Minh", "Quốc", "Đức", "Thanh", "Công", "Xuân", "Ngọc",
               "Trọng", "Anh", "Tuấn", "Hoàng"]
MIDDLE_FEMALE = ["Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Minh", "Kim", "Hồng", "Phương",
                 "Diệu", "Bích"]
GIVEN_MALE = ["An", "Bình", "Cường", "Dũng", "Đạt", "Định", "Giang", "Hải", "Hiếu", "Hòa",
              "Hùng", "Huy", "Khánh", "Khoa", "Kiên", "Lâm", "Long", "Luân", "Mạnh", "Minh",
              "Nam", "Nghĩa", "Phong", "Phúc", "Quang", "Quân", "Sơn", "Tài", "Thắng",
              "Thành", "Thịnh", "Toàn", "Trung", "Tú", "Tuấn", "Việt", "Vinh", "Vũ"]
GIVEN_FEMALE = ["Anh", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa",
                "Huế", "Hương", "Lan", "Liên", "Linh", "Loan", "Mai", "Ngân", "Nga", "Ngọc",
                "Nhung", "Oanh", "Phương", "Quyên", "Thảo", "Thơ", "Thủy", "Trang", "Tuyết",
                "Vân", "Yến"]


def person_name(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    if rng.random() < 0.5:
        return f"{surname} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
    return f"{surname} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"


def ascii_name(text: str) -> str:
    """Lower-case ASCII letters of a name, for user names ("Đỗ Văn Trưởng" → "dovantruong")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if c.isascii() and c.isalnum())


# --- vocabulary -------------------------------------------------------------------------

FIELDS = [
    "đất đai", "đầu tư công", "thuế", "giáo dục", "y tế", "giao thông vận tải",
    "nông nghiệp", "bảo vệ môi trường", "tài chính – ngân sách", "xây dựng", "văn hóa",
    "du lịch", "khoa học và công nghệ", "chuyển đổi số", "cải cách hành chính",
    "phòng, chống thiên tai", "an toàn thực phẩm", "bảo hiểm xã hội", "lao động, việc làm",
    "tư pháp", "tài nguyên nước", "khoáng sản", "thương mại", "xuất nhập khẩu",
    "phòng cháy, chữa cháy", "thanh tra", "tiếp công dân", "giải quyết khiếu nại, tố cáo",
    "quản lý giá", "dân tộc", "tôn giáo", "thi đua, khen thưởng", "công tác cán bộ",
    "hợp tác quốc tế", "nhà ở xã hội", "quy hoạch", "điện lực", "thủy lợi", "lâm nghiệp",
    "an sinh xã hội", "phòng, chống tham nhũng", "đấu thầu", "quản lý tài sản công",
]
LAWS = [
    "Đất đai", "Đầu tư công", "Quản lý thuế", "Giáo dục", "Khám bệnh, chữa bệnh",
    "Ngân sách nhà nước", "Xây dựng", "Bảo vệ môi trường", "Tổ chức chính quyền địa phương",
    "Cán bộ, công chức", "Thi đua, khen thưởng", "Tiếp công dân", "Khiếu nại", "Tố cáo",
    "Giao dịch điện tử", "Lưu trữ", "Phòng, chống thiên tai", "Tài nguyên nước", "Quy hoạch",
    "Nhà ở", "Kinh doanh bất động sản", "Đấu thầu", "Đầu tư", "Bảo hiểm xã hội",
    "Phòng cháy, chữa cháy và cứu nạn, cứu hộ", "Quản lý, sử dụng tài sản công",
]
ACTIVITIES = [  # each is followed by "công tác <field>"
    "triển khai", "hướng dẫn", "tăng cường", "rà soát", "kiểm tra", "tổng kết", "đôn đốc",
    "nâng cao hiệu quả", "đẩy mạnh", "chấn chỉnh", "sơ kết", "tổ chức thực hiện",
]
PROGRAMMES = [
    "Chương trình mục tiêu quốc gia xây dựng nông thôn mới",
    "Chương trình mục tiêu quốc gia giảm nghèo bền vững",
    "Đề án phát triển ứng dụng dữ liệu về dân cư, định danh và xác thực điện tử",
    "Chương trình chuyển đổi số quốc gia",
    "Kế hoạch cải cách hành chính nhà nước giai đoạn 2021 – 2030",
    "Chương trình phục hồi và phát triển kinh tế – xã hội",
    "Đề án xóa nhà tạm, nhà dột nát", "Chương trình phát triển nhà ở xã hội",
    "Chương trình mục tiêu quốc gia phát triển kinh tế – xã hội vùng đồng bào dân tộc "
    "thiểu số và miền núi",
    "Chiến lược quốc gia phòng, chống tham nhũng, tiêu cực",
]
PROJECT_KINDS = [
    "Đường cao tốc", "Khu công nghiệp", "Trường trung học phổ thông", "Bệnh viện đa khoa",
    "Cầu", "Hồ chứa nước", "Khu dân cư", "Khu nhà ở xã hội", "Trạm biến áp 110kV",
    "Kè chống sạt lở bờ sông", "Trung tâm hành chính", "Nhà máy xử lý nước thải",
    "Cụm công nghiệp", "Đường tỉnh", "Khu tái định cư",
]
PLACES = [
    "Tân Lập", "Hòa Bình", "Phú Quốc", "Cam Ranh", "Long Thành", "Mộc Châu", "Sa Pa",
    "Yên Bình", "Đông Hưng", "Phước Long", "Tam Kỳ", "Hội An", "Bến Lức", "Vĩnh Thạnh",
    "Quảng Điền", "Thuận An", "Định Quán", "Tuần Giáo", "Hương Sơn", "Kỳ Anh", "Bảo Lộc",
    "Nghĩa Đàn", "Cửa Lò", "Hạ Long", "Móng Cái", "Đồng Xoài", "Châu Đốc", "Năm Căn",
    "Tịnh Biên", "Thủ Đức", "Cẩm Phả", "Đức Trọng", "Krông Pắc", "Buôn Đôn", "Ea Súp",
]
COMPANIES = [
    "Công ty Cổ phần Đầu tư Phát triển Hạ tầng {place}",
    "Công ty TNHH Xây dựng và Thương mại {place}",
    "Tổng công ty Điện lực miền Bắc", "Công ty Cổ phần Cấp nước {place}",
    "Công ty TNHH Một thành viên Khai thác công trình thủy lợi {place}",
    "Ban Quản lý dự án đầu tư xây dựng công trình giao thông",
    "Ban Quản lý các khu công nghiệp {place}",
    "Hợp tác xã Nông nghiệp {place}", "Công ty Cổ phần Du lịch {place}",
]
EXTERNAL_ISSUERS: list[tuple[str, str]] = [  # (name, abbreviation in its symbols)
    ("Văn phòng Trung ương Đảng", "VPTW"), ("Văn phòng Quốc hội", "VPQH"),
    ("Văn phòng Chủ tịch nước", "VPCTN"), ("Kho bạc Nhà nước", "KBNN"),
    ("Bảo hiểm xã hội Việt Nam", "BHXH"), ("Tổng cục Thống kê", "TCTK"),
    ("Cục Thuế", "CT"), ("Tòa án nhân dân tối cao", "TANDTC"),
    ("Viện Kiểm sát nhân dân tối cao", "VKSTC"), ("Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam",
                                                 "MTTW"),
    ("Tổng Liên đoàn Lao động Việt Nam", "TLĐ"), ("Phòng Thương mại và Công nghiệp Việt Nam",
                                                 "VCCI"),
    ("Đài Truyền hình Việt Nam", "THVN"), ("Thông tấn xã Việt Nam", "TTXVN"),
    ("Đại học Quốc gia Hà Nội", "ĐHQGHN"), ("Viện Hàn lâm Khoa học xã hội Việt Nam", "VHL"),
]
DEPARTMENTS = [  # provincial departments (sở) and their abbreviations
    ("Sở Tài chính", "STC"), ("Sở Nội vụ", "SNV"), ("Sở Tư pháp", "STP"),
    ("Sở Xây dựng", "SXD"), ("Sở Nông nghiệp và Môi trường", "SNNMT"),
    ("Sở Giáo dục và Đào tạo", "SGDĐT"), ("Sở Y tế", "SYT"), ("Sở Công Thương", "SCT"),
    ("Sở Khoa học và Công nghệ", "SKHCN"), ("Sở Văn hóa, Thể thao và Du lịch", "SVHTTDL"),
]
DISASTERS = ["bão số 3", "áp thấp nhiệt đới", "mưa lớn, lũ quét và sạt lở đất",
             "hạn hán, xâm nhập mặn", "rét đậm, rét hại", "nắng nóng kéo dài"]
EVENTS = [
    "Hội nghị tổng kết công tác năm", "Hội nghị trực tuyến toàn quốc",
    "Hội thảo khoa học", "Lễ phát động phong trào thi đua", "Diễn đàn hợp tác đầu tư",
    "Hội nghị sơ kết 6 tháng", "Tọa đàm chuyên đề", "Hội nghị đối thoại với doanh nghiệp",
]
# Each is followed by "năm <year>": "6 tháng đầu năm 2026", "quý III năm 2025".
PERIODS = ["quý I", "quý II", "quý III", "quý IV", "6 tháng đầu", "9 tháng", "tháng 10",
           "tháng 11"]

# Shares of document types (NĐ 30/2020 names; values of rules.DocumentType).
INCOMING_TYPES = [
    ("official_letter", 46), ("decision", 13), ("report", 8), ("plan", 6), ("notice", 7),
    ("invitation", 8), ("submission", 2), ("official_telegram", 1), ("directive", 1),
    ("guidance", 3), ("minutes", 1), ("programme", 1), ("regulation", 1), ("resolution", 1),
    ("scheme", 1),
]
OUTGOING_TYPES = [
    ("official_letter", 52), ("decision", 14), ("report", 9), ("plan", 6), ("notice", 6),
    ("invitation", 6), ("submission", 4), ("guidance", 2), ("minutes", 1),
]
PRINTED_NAMES = {
    "official_letter": "Công văn", "decision": "Quyết định", "report": "Báo cáo",
    "plan": "Kế hoạch", "notice": "Thông báo", "invitation": "Giấy mời",
    "submission": "Tờ trình", "official_telegram": "Công điện", "directive": "Chỉ thị",
    "guidance": "Hướng dẫn", "minutes": "Biên bản", "programme": "Chương trình",
    "regulation": "Quy chế", "resolution": "Nghị quyết", "scheme": "Đề án",
}
TYPE_ABBR = {"decision": "QĐ", "report": "BC", "plan": "KH", "notice": "TB",
             "invitation": "GM", "submission": "TTr", "official_telegram": "CĐ",
             "directive": "CT", "guidance": "HD", "minutes": "BB", "programme": "CTr",
             "regulation": "QC", "resolution": "NQ", "scheme": "ĐA"}


def weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def vn_date(d: dt.date) -> str:
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def amount(rng: random.Random) -> str:
    return f"{rng.randint(1, 999)}.{rng.randint(0, 999):03d}.{rng.randint(0, 999):03d}.000"


def project(rng: random.Random) -> str:
    kind = rng.choice(PROJECT_KINDS)
    if kind == "Đường cao tốc":
        a, b = rng.sample(PLACES, 2)
        return f"{kind} {a} – {b}"
    return f"{kind} {rng.choice(PLACES)}"


def company(rng: random.Random) -> str:
    return rng.choice(COMPANIES).format(place=rng.choice(PLACES))


# --- subjects ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What a document is about: drawn once, used by its subject and its prose."""

    doc_type: str
    field: str
    place: str  # a commune or district name
    province: str  # the province the matter concerns
    year: int
    when: dt.date  # around when it was written


def context(rng: random.Random, doc_type: str, when: dt.date, province: str | None) -> Context:
    return Context(doc_type=doc_type, field=rng.choice(FIELDS), place=rng.choice(PLACES),
                   province=province or rng.choice(PROVINCES), year=when.year, when=when)


def subject(rng: random.Random, c: Context) -> str:
    """The trích yếu: "V/v …" for a công văn, "Về việc …" or a noun phrase otherwise.

    Only the chosen template is filled (the others stay unevaluated lambdas)."""
    f, p, y, pr = c.field, c.place, c.year, locality(c.province)
    choices: dict[str, list[Callable[[], str]]] = {
        "official_letter": [
            lambda: f"V/v hướng dẫn thực hiện một số nội dung về {f}",
            lambda: f"V/v góp ý dự thảo Nghị định sửa đổi, bổ sung một số điều trong lĩnh vực {f}",
            lambda: f"V/v đôn đốc thực hiện {rng.choice(PROGRAMMES)}",
            lambda: f"V/v báo cáo tình hình {f} {rng.choice(PERIODS)} năm {y}",
            lambda: f"V/v đề nghị cung cấp thông tin về {f} trên địa bàn {pr}",
            lambda: f"V/v {rng.choice(ACTIVITIES)} công tác {f}",
            lambda: f"V/v trả lời kiến nghị của cử tri {pr} về {f}",
            lambda: f"V/v cử cán bộ tham dự {rng.choice(EVENTS)}",
            lambda: f"V/v giải quyết đơn của công dân tại xã {p}, {pr}",
            lambda: f"V/v đẩy nhanh tiến độ giải ngân vốn đầu tư công năm {y}",
            lambda: f"V/v thu hồi đất để thực hiện dự án {project(rng)}",
            lambda: f"V/v chủ động ứng phó với {rng.choice(DISASTERS)}",
        ],
        "decision": [
            lambda: f"Về việc phê duyệt kế hoạch {f} năm {y}",
            lambda: f"Về việc giao đất cho {company(rng)} để thực hiện dự án {project(rng)}",
            lambda: f"Về việc thành lập Tổ công tác {rng.choice(ACTIVITIES)} công tác {f}",
            lambda: f"Về việc phê duyệt chủ trương đầu tư dự án {project(rng)}",
            lambda: f"Về việc phân bổ dự toán ngân sách nhà nước năm {y}",
            lambda: f"Về việc khen thưởng tập thể, cá nhân có thành tích xuất sắc trong "
                    f"công tác {f}",
            lambda: f"Về việc ban hành Quy chế phối hợp trong lĩnh vực {f}",
            lambda: f"Về việc công bố thủ tục hành chính lĩnh vực {f}",
            lambda: f"Về việc thu hồi đất để thực hiện dự án {project(rng)} tại xã {p}",
            lambda: f"Về việc phê duyệt quy hoạch chi tiết xây dựng tỷ lệ 1/500 {project(rng)}",
        ],
        "report": [
            lambda: f"Tình hình {f} {rng.choice(PERIODS)} năm {y}",
            lambda: f"Tổng kết công tác {f} năm {y} và phương hướng, nhiệm vụ năm {y + 1}",
            lambda: f"Kết quả thực hiện {rng.choice(PROGRAMMES)}",
            lambda: f"Kết quả kiểm tra công tác {f} tại {pr}",
        ],
        "plan": [
            lambda: f"Triển khai {rng.choice(PROGRAMMES)} năm {y}",
            lambda: f"Kiểm tra công tác {f} năm {y}",
            lambda: f"{rng.choice(ACTIVITIES).capitalize()} công tác {f} giai đoạn {y} – "
                    f"{y + 5}",
        ],
        "notice": [
            lambda: f"Kết luận của lãnh đạo tại cuộc họp về {f}",
            lambda: f"Về việc tổ chức {rng.choice(EVENTS)}",
            lambda: f"Kết quả thẩm định dự án {project(rng)}",
        ],
        "invitation": [
            lambda: f"Dự {rng.choice(EVENTS)} về {f}",
            lambda: f"Họp bàn về {f} trên địa bàn {pr}",
        ],
        "submission": [
            lambda: f"Đề nghị phê duyệt chủ trương đầu tư dự án {project(rng)}",
            lambda: f"Về dự thảo Nghị quyết quy định một số chính sách về {f}",
            lambda: f"Đề nghị bổ sung dự toán kinh phí thực hiện nhiệm vụ {f} năm {y}",
        ],
        "official_telegram": [lambda: f"Về việc chủ động ứng phó với {rng.choice(DISASTERS)}"],
        "directive": [lambda: f"Về việc tăng cường công tác {f}",
                      lambda: f"Về việc chấn chỉnh kỷ luật, kỷ cương trong lĩnh vực {f}"],
        "guidance": [lambda: f"Thực hiện một số nội dung về {f}",
                     lambda: f"Quy trình giải quyết thủ tục hành chính lĩnh vực {f}"],
        "minutes": [lambda: f"Họp thẩm định hồ sơ dự án {project(rng)}",
                    lambda: f"Kiểm tra hiện trường tại xã {p}"],
        "programme": [lambda: f"Công tác {f} năm {y}"],
        "regulation": [lambda: f"Quy chế phối hợp trong quản lý nhà nước về {f}"],
        "resolution": [lambda: f"Về việc thông qua kế hoạch {f} năm {y}"],
        "scheme": [lambda: f"Phát triển {f} đến năm 2030, tầm nhìn đến năm 2045"],
    }
    return rng.choice(choices.get(c.doc_type, choices["official_letter"]))()


# --- prose ------------------------------------------------------------------------------


def _grounds(rng: random.Random, c: Context) -> list[str]:
    y = c.year
    law_year = rng.randint(2013, y)
    decree_year = rng.randint(2019, y)
    return [
        f"Căn cứ Luật {rng.choice(LAWS)} "
        f"{vn_date(dt.date(law_year, rng.randint(1, 12), rng.randint(1, 28)))};",
        f"Căn cứ Nghị định số {rng.randint(10, 180)}/{decree_year}/NĐ-CP "
        f"{vn_date(dt.date(decree_year, rng.randint(1, 12), rng.randint(1, 28)))} của "
        f"Chính phủ quy định chi tiết một số điều của Luật {rng.choice(LAWS)};",
        "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về "
        "công tác văn thư;",
    ]


def _sentences(rng: random.Random, c: Context, agency: str, unit: str) -> list[str]:
    f, p, pr, y = c.field, c.place, locality(c.province), c.year
    n1 = rng.randint(120, 9800)
    n2 = rng.randint(int(n1 * 0.8), n1)
    day = c.when + dt.timedelta(days=rng.randint(5, 40))
    return [
        f"Trong thời gian qua, công tác {f} trên địa bàn {pr} đã đạt được nhiều kết "
        f"quả quan trọng, góp phần thúc đẩy phát triển kinh tế – xã hội và bảo đảm quốc "
        f"phòng, an ninh.",
        "Tuy nhiên, việc triển khai ở một số địa phương còn chậm, chưa đáp ứng yêu cầu đề "
        "ra; công tác phối hợp giữa các cơ quan, đơn vị có lúc chưa chặt chẽ.",
        f"Để kịp thời khắc phục những tồn tại, hạn chế nêu trên, {agency} đề nghị các cơ "
        f"quan, đơn vị khẩn trương thực hiện một số nội dung sau đây:",
        f"Rà soát, tổng hợp số liệu về {f} trên địa bàn, báo cáo kết quả về {agency} "
        f"(qua {unit}) trước {vn_date(day)}.",
        f"Tăng cường công tác thanh tra, kiểm tra, xử lý nghiêm các hành vi vi phạm pháp "
        f"luật về {f}.",
        f"Đẩy mạnh ứng dụng công nghệ thông tin, chuyển đổi số trong quản lý {f}, bảo đảm "
        f"kết nối, chia sẻ dữ liệu với Cơ sở dữ liệu quốc gia về dân cư.",
        f"Tổng kinh phí thực hiện là {amount(rng)} đồng, từ nguồn ngân sách nhà nước và các "
        f"nguồn vốn hợp pháp khác.",
        f"Đến hết {rng.choice(PERIODS)} năm {y}, tỷ lệ giải ngân vốn đầu tư công đạt "
        f"{rng.randint(18, 97)},{rng.randint(0, 9)}% kế hoạch được giao.",
        f"Năm {y}, toàn {pr} đã tiếp nhận {n1} hồ sơ thủ tục hành chính về {f}, trong "
        f"đó {n2} hồ sơ được giải quyết trước và đúng hạn, đạt tỷ lệ "
        f"{100 * n2 // max(n1, 1)}%.",
        f"Số thu ngân sách nhà nước trên địa bàn ước đạt {rng.randint(900, 99000)} tỷ đồng, "
        f"bằng {rng.randint(60, 130)}% dự toán năm, tăng {rng.randint(2, 25)}% so với cùng "
        f"kỳ.",
        f"Giao {unit} chủ trì, phối hợp với các cơ quan liên quan hướng dẫn, theo dõi, đôn "
        f"đốc việc thực hiện; định kỳ báo cáo kết quả.",
        "Ủy ban nhân dân các xã, phường trên địa bàn chủ động bố trí nguồn lực, tổ chức "
        "triển khai kịp thời, hiệu quả, tránh hình thức, lãng phí.",
        f"Khẩn trương hoàn thiện hồ sơ dự án {project(rng)} tại xã {p}, trình cấp có thẩm "
        f"quyền xem xét, quyết định theo quy định.",
        f"Thực hiện nghiêm việc công khai, minh bạch thông tin về {f}, tạo điều kiện thuận "
        f"lợi cho người dân và doanh nghiệp.",
        "Việc bồi thường, hỗ trợ, tái định cư khi Nhà nước thu hồi đất phải bảo đảm dân "
        "chủ, khách quan, công bằng, công khai, kịp thời và đúng quy định của pháp luật.",
        f"Đề nghị {company(rng)} phối hợp chặt chẽ với chính quyền địa phương trong quá "
        f"trình thực hiện dự án.",
        f"Theo báo cáo của {rng.choice(DEPARTMENTS)[0]} {pr}, đến nay đã có "
        f"{rng.randint(3, 60)} dự án hoàn thành, {rng.randint(2, 40)} dự án đang triển khai "
        f"và {rng.randint(1, 12)} dự án chậm tiến độ do vướng mắc về giải phóng mặt bằng.",
        f"Nguyên nhân chủ yếu là do thể chế, chính sách về {f} còn chồng chéo; nguồn nhân "
        f"lực tại cơ sở còn thiếu và yếu; một số cán bộ chưa thực sự sâu sát.",
        f"Thực hiện chỉ đạo của Thủ tướng Chính phủ tại Công văn số {rng.randint(100, 9999)}"
        f"/VPCP-{rng.choice(['KTTH', 'NN', 'CN', 'KGVX', 'QHĐP', 'PL', 'TCCV'])} của Văn "
        f"phòng Chính phủ về việc {rng.choice(ACTIVITIES)} công tác {rng.choice(FIELDS)},",
        "Cán bộ, công chức, viên chức phải nâng cao tinh thần trách nhiệm, tuyệt đối không "
        "để xảy ra tình trạng nhũng nhiễu, gây phiền hà cho tổ chức, cá nhân.",
        f"Tổ chức tập huấn, bồi dưỡng nghiệp vụ về {f} cho đội ngũ cán bộ làm công tác "
        f"chuyên môn ở cấp xã.",
        "Kịp thời biểu dương, khen thưởng các tập thể, cá nhân có thành tích xuất sắc; "
        "phê bình, xử lý trách nhiệm người đứng đầu để xảy ra sai phạm.",
    ]


def _closing(rng: random.Random, c: Context, agency: str, agency_short: str,
             unit_short: str) -> list[str]:
    lines = {
        "decision": ["Quyết định này có hiệu lực kể từ ngày ký.",
                     "Chánh Văn phòng, Thủ trưởng các cơ quan, đơn vị và các cá nhân có liên "
                     "quan chịu trách nhiệm thi hành Quyết định này./."],
        "invitation": [f"Thời gian: {rng.choice(['08 giờ 00', '08 giờ 30', '14 giờ 00'])}, "
                       f"{vn_date(c.when + dt.timedelta(days=rng.randint(2, 10)))}.",
                       f"Địa điểm: Hội trường tầng {rng.randint(1, 9)}, trụ sở {agency}.",
                       "Đề nghị các đồng chí sắp xếp thời gian tham dự đúng giờ./."],
        "official_telegram": [
            f"Theo dõi chặt chẽ diễn biến của {rng.choice(DISASTERS)}, chủ động triển khai "
            f"phương án sơ tán người dân khỏi khu vực nguy hiểm tại xã {c.place}.",
            "Tổ chức trực ban nghiêm túc 24/24 giờ, thường xuyên báo cáo tình hình./."],
    }.get(c.doc_type, [
        f"Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, đề nghị phản ánh kịp thời "
        f"về {agency} để được hướng dẫn, giải quyết.",
        f"{agency} trân trọng đề nghị các cơ quan, đơn vị quan tâm, phối hợp thực hiện./."])
    return [*lines, f"Nơi nhận: Như trên; Lãnh đạo {agency_short}; Lưu: VT, {unit_short}."]


def body(rng: random.Random, c: Context, *, subject_text: str, agency: str, agency_short: str,
         unit: str, unit_short: str, place: str, signer: str, signer_title: str,
         words: int = 320) -> str:
    """The text of a document's file, as extracted from it: heading, grounds, about
    ``words`` words of body, closing, signature block."""
    heading = [
        agency.upper(), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập – Tự do – Hạnh phúc",
        f"{place}, {vn_date(c.when)}", PRINTED_NAMES.get(c.doc_type, "Công văn").upper(),
        subject_text,
    ]
    parts = [*heading, *_grounds(rng, c)[: rng.randint(1, 3)]]
    pool = _sentences(rng, c, agency, unit)
    rng.shuffle(pool)
    count = 0
    while count < words:
        sentence = pool[len(parts) % len(pool)]
        parts.append(sentence)
        count += len(sentence.split())
    parts += _closing(rng, c, agency, agency_short, unit_short)
    parts += [signer_title.upper(), signer]
    return "\n".join(parts)


def appendix(rng: random.Random, c: Context, agency: str, unit: str, words: int = 110) -> str:
    """An attachment (phụ lục): a table of figures read out as text."""
    parts = [f"PHỤ LỤC {rng.choice(['I', 'II', 'III'])}",
             f"Số liệu về {c.field} trên địa bàn {locality(c.province)}"]
    count = 0
    while count < words:
        row = (f"Xã {rng.choice(PLACES)}: {rng.randint(1, 900)} hồ sơ, "
               f"{rng.randint(1, 99)} dự án, {amount(rng)} đồng, đạt {rng.randint(40, 100)}%.")
        parts.append(row)
        count += len(row.split())
    parts.append(f"Nguồn: {unit}, {agency}.")
    return "\n".join(parts)


def external_issuer(rng: random.Random, province: str) -> tuple[str, str, str | None]:
    """(issuer name, agency abbreviation for its symbols, unit abbreviation or None)."""
    roll = rng.random()
    if roll < 0.45:
        dept, abbr = rng.choice(DEPARTMENTS)
        return f"{dept} {locality(province)}", abbr, rng.choice(["VP", "KHTC", "QLNS", "TTr"])
    if roll < 0.6:
        return f"Ủy ban nhân dân xã {rng.choice(PLACES)}", "UBND", "VP"
    if roll < 0.85:
        name, abbr = rng.choice(EXTERNAL_ISSUERS)
        return name, abbr, rng.choice(["VP", "TH", "PC", "KH"])
    return company(rng), "CV", None


def issuer_symbol(rng: random.Random, doc_type: str, abbr: str, unit: str | None) -> str:
    number = rng.randint(1, 4999)
    written = f"{number:02d}"
    type_abbr = TYPE_ABBR.get(doc_type)
    if type_abbr is None:
        return f"{written}/{abbr}-{unit or 'VP'}"
    return f"{written}/{type_abbr}-{abbr}"


# --- the fixed queries --------------------------------------------------------------------

QUERIES_WITH_DIACRITICS = [
    "quyết định đất đai", "kế hoạch chuyển đổi số", "giải ngân đầu tư công",
    "hướng dẫn thuế", "giáo dục", "khám bệnh, chữa bệnh", "thiên tai sạt lở",
    "cải cách hành chính", "báo cáo tình hình", "hội nghị trực tuyến", "nhà ở xã hội",
    "an toàn thực phẩm", "thu hồi đất dự án", "Quảng Ninh", "Đắk Lắk", "Nguyễn Văn Hùng",
    "QĐ-UBND", "tiếp công dân", "bảo hiểm xã hội", "dự toán ngân sách nhà nước",
    "khu công nghiệp Long Thành", "tài nguyên nước", "thi đua khen thưởng",
    "đường cao tốc Sa Pa", "quyết đ",
]


def _strip(text: str) -> str:
    """Type a query the way people do without Vietnamese input: no marks, đ as d."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


QUERIES = QUERIES_WITH_DIACRITICS + [_strip(q) for q in QUERIES_WITH_DIACRITICS]
