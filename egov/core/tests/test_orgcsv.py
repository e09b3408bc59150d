"""Organisations in and out of CSV: the importer, the exporter, the two commands and the
administrators' import page and download."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from egov.core import actions, orgcsv
from egov.core.models import AuditEntry, Organisation, User
from egov.core.tests import factories

BACKEND = "egov.core.auth.PositionBackend"
HEADER = ",".join(orgcsv.COLUMNS)


@pytest.fixture(autouse=True)
def english(settings: Settings) -> None:
    settings.LANGUAGE_CODE = "en"


def csv_bytes(*rows: str, header: str = HEADER, bom: bool = False) -> bytes:
    text = "\r\n".join([header, *rows]) + "\r\n"
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


MOF = "000.00.00.G12,G12,Bộ Tài chính,BTC,ministry,1,,28 Trần Hưng Đạo,vp@mof.gov.vn,"
TAX = "000.00.18.G12,G12.18,Tổng cục Thuế,TCT,agency,1,000.00.00.G12,,,"
TAX_OFFICE = "000.01.18.G12,,Văn phòng Tổng cục Thuế,VP,unit,0,000.00.18.G12,,,"
LEGAL = "000.00.05.G12,,Vụ Pháp chế,PC,unit,0,000.00.00.G12,,,"


def state() -> tuple[Any, ...]:
    return (list(Organisation.objects.order_by("pk").values()), AuditEntry.objects.count())


def run(data: bytes, **kwargs: Any) -> orgcsv.ImportReport:
    kwargs.setdefault("acting_user", None)
    return orgcsv.import_organisations(data, **kwargs)


def reasons(report: orgcsv.ImportReport) -> list[tuple[int, str]]:
    return [(r.line, r.field) for r in report.rejections]


# --- import --------------------------------------------------------------------------

def test_import_creates_the_tree_through_the_actions(db: None) -> None:
    report = run(csv_bytes(MOF, TAX, TAX_OFFICE, LEGAL, bom=True))
    assert report.ok and report.committed, report.rejections
    assert report.created == ["000.00.00.G12", "000.00.18.G12", "000.01.18.G12",
                              "000.00.05.G12"]
    assert report.rows == 4
    tax = Organisation.objects.get(code="000.00.18.G12")
    office = Organisation.objects.get(code="000.01.18.G12")
    assert (tax.parent.code, tax.level, tax.is_agency, tax.qd20_code) == (
        "000.00.00.G12", 2, True, "G12.18")
    assert (office.agency_id, office.level, office.is_agency, office.qd20_code) == (
        tax.pk, 3, False, None)
    assert Organisation.objects.get(code="000.00.00.G12").address == "28 Trần Hưng Đạo"
    assert list(AuditEntry.objects.values_list("action", flat=True)) == [
        "core.create_organisation"] * 4
    assert "4 rows imported: 4 organisations created" in report.summary()


def test_parents_may_come_later_in_the_file_or_exist_already(ministry: Organisation) -> None:
    report = run(csv_bytes(TAX_OFFICE, TAX, LEGAL))
    assert report.ok, report.rejections
    assert report.created == ["000.00.18.G12", "000.01.18.G12", "000.00.05.G12"]
    assert Organisation.objects.get(code="000.00.05.G12").parent == ministry


def test_existing_codes_are_updated_and_unchanged_rows_leave_no_trace(
    ministry: Organisation, office: Organisation
) -> None:
    run(csv_bytes(MOF, TAX))
    entries = AuditEntry.objects.count()
    changed = TAX.replace("Tổng cục Thuế", "Cục Thuế").replace(",,,", ",,cucthue@mof.gov.vn,")
    report = run(csv_bytes(MOF, changed))
    assert report.ok, report.rejections
    assert (report.updated, report.unchanged, report.created) == (
        ["000.00.18.G12"], ["000.00.00.G12"], [])
    tax = Organisation.objects.get(code="000.00.18.G12")
    assert (tax.name, tax.email) == ("Cục Thuế", "cucthue@mof.gov.vn")
    new = list(AuditEntry.objects.order_by("id")[entries:])
    assert [(e.action, e.object_id) for e in new] == [("core.update_organisation",
                                                       str(tax.pk))]


def test_a_changed_parent_moves_the_organisation(ministry: Organisation) -> None:
    gov = factories.ministry("000.00.00.G22", "Văn phòng Chính phủ", "VPCP")
    # A level-1 agency recorded without a parent can be put under one whose code it
    # extends (here a made-up row: G22's unit listed under G22 after being top level).
    loose = actions.do_create_organisation(
        acting_user=None, name="Cục Kiểm soát TTHC", short_name="KSTT", code="000.00.07.G22",
        kind=Organisation.Kind.AGENCY)
    row = "000.00.07.G22,,Cục Kiểm soát TTHC,KSTT,agency,1,000.00.00.G22,,,"
    report = run(csv_bytes(row))
    assert report.ok, report.rejections
    assert report.moved == ["000.00.07.G22"]
    loose.refresh_from_db()
    assert loose.parent == gov and loose.path == f"{gov.path}{loose.pk}/"
    # Taking it out again is not an import's business.
    report = run(csv_bytes(row.replace("000.00.00.G22", "")))
    assert reasons(report) == [(2, "parent_code")]


def test_dry_run_checks_everything_and_writes_nothing(db: None) -> None:
    before = state()
    report = run(csv_bytes(MOF, TAX, TAX_OFFICE), dry_run=True)
    assert report.ok and not report.committed
    assert report.created == ["000.00.00.G12", "000.00.18.G12", "000.01.18.G12"]
    assert state() == before
    assert "Dry run" in report.summary()


def test_one_bad_row_and_nothing_is_imported_every_bad_row_listed(db: None) -> None:
    before = state()
    data = csv_bytes(
        MOF,  # line 2: fine
        TAX.replace("000.00.18.G12,G12.18", "000.00.18.G13,G12.18"),  # 3: wrong ministry
        LEGAL.replace("vụ", "").replace(",0,", ",maybe,"),  # 4: bad is_agency
        "000.00.06.G12,,,PC,unit,0,000.00.00.G12,,not-an-email,",  # 5: name, e-mail
        "000.01.06.G12,,Phòng,P,unit,0,000.00.06.G12,,,",  # 6: its parent was rejected
        "000.00.08.G12,,Vụ,V,unit,0,000.00.00.G99,,,",  # 7: unknown parent
    )
    report = run(data)
    assert not report.ok and not report.committed
    assert state() == before
    assert reasons(report) == [
        (3, "code"), (4, "is_agency"), (5, "name"), (5, "email"), (6, "parent_code"),
        (7, "parent_code")]
    text = {(r.line, r.field): r.reason for r in report.rejections}
    assert "does not extend" in text[(3, "code")]
    assert "line 5" in text[(6, "parent_code")]
    assert "000.00.00.G99" in text[(7, "parent_code")]
    assert report.rejections[0].code == "000.00.18.G13"
    assert "5 of 6 rows were rejected: nothing was imported" in report.summary()
    assert str(report.rejections[0]).startswith("line 3, code: ")


def test_units_of_a_rejected_existing_row_are_still_checked(ministry: Organisation) -> None:
    report = run(csv_bytes(
        MOF.replace("BTC", ""),  # 2: exists, but the row is rejected
        LEGAL.replace(",,,", ",,pc@,"),  # 3: checked against the ministry as it is
        "000.01.05.G12,,Phòng,P,unit,0,000.00.05.G12,,,",  # 4: its new parent was rejected
    ))
    assert reasons(report) == [(2, "short_name"), (3, "email"), (4, "parent_code")]
    assert "was rejected" in report.rejections[2].reason
    assert Organisation.objects.count() == 1


def test_a_unit_without_parent_code_is_refused_on_that_column(db: None) -> None:
    report = run(csv_bytes("000.00.00.G12,,Văn phòng,VP,unit,0,,,,"))
    assert reasons(report) == [(2, "parent_code")]
    assert "must belong" in report.rejections[0].reason


def test_duplicate_codes_inside_the_file(db: None) -> None:
    report = run(csv_bytes(MOF, TAX, MOF.replace("Bộ Tài chính", "Bộ Tài chính (2)")))
    assert reasons(report) == [(4, "code")]
    assert "also on line 2" in report.rejections[0].reason
    assert not Organisation.objects.exists()


def test_a_qd20_code_given_twice_is_refused_by_the_action(db: None) -> None:
    report = run(csv_bytes(MOF, TAX, LEGAL.replace(",,Vụ", ",G12.18,Vụ")))
    assert reasons(report) == [(4, "qd20_code")]


def test_a_parent_cycle_inside_the_file(db: None) -> None:
    report = run(csv_bytes(
        MOF,
        "000.00.18.G12,,A,A,unit,0,000.01.18.G12,,,",
        "000.01.18.G12,,B,B,unit,0,000.00.18.G12,,,",
        "001.01.18.G12,,C,C,unit,0,000.01.18.G12,,,",  # below the cycle
        "000.00.05.G12,,D,D,unit,0,000.00.05.G12,,,",  # its own parent
    ))
    assert reasons(report) == [(3, "parent_code"), (4, "parent_code"), (5, "parent_code"),
                               (6, "parent_code")]
    text = [r.reason for r in report.rejections]
    assert "cycle" in text[0] and "000.00.18.G12" in text[0] and "000.01.18.G12" in text[0]
    assert "cycle" in text[1]
    assert "was rejected" in text[2]
    assert "000.00.05.G12 → 000.00.05.G12" in text[3]
    assert not Organisation.objects.exists()


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("code,name\r\n000.00.00.G12,Bộ\r\n".encode(), "missing columns: qd20_code"),
        (csv_bytes(header=HEADER + ",note"), "unknown columns: 'note'"),
        (csv_bytes(header=HEADER + ",code"), "columns given twice: code"),
        (b"", "empty"),
        (csv_bytes(MOF).decode().encode("utf-16"), "not UTF-8"),
        (csv_bytes(MOF).replace("Tài chính".encode(), "Tài chính".encode("cp1252")),
         "not UTF-8"),
        (csv_bytes(MOF) + b"\x00", "NUL"),
    ],
    ids=["missing columns", "unknown column", "column twice", "empty", "UTF-16",
         "Windows-1252", "NUL"],
)
def test_files_that_cannot_be_read_are_refused_whole(
    db: None, data: bytes, words: str
) -> None:
    report = run(data)
    assert not report.ok and len(report.rejections) == 1
    assert words in report.rejections[0].reason
    assert not Organisation.objects.exists()


def test_not_utf8_names_the_line(db: None) -> None:
    data = csv_bytes(MOF, TAX.replace("Thuế", "Thu\xe9"))
    data = data.replace("Thu\xe9".encode(), b"Thu\xe9")
    report = run(data)
    assert report.rejections[0].line == 3


def test_rows_whose_shape_is_wrong(db: None) -> None:
    report = run(csv_bytes(MOF, TAX + ",extra", "000.00.05.G12,,Vụ", '"' + "x" * 2000 + '"'
                           + ",,,,,,,,,"))
    assert reasons(report) == [(3, ""), (4, ""), (5, "code")]
    assert "11 cells" in report.rejections[0].reason
    assert "More than 1000" in report.rejections[2].reason


def test_line_numbers_count_lines_inside_quoted_cells(db: None) -> None:
    report = run(csv_bytes(MOF.replace("28 Trần Hưng Đạo", '"28 Trần Hưng Đạo\nHà Nội"'),
                           TAX.replace("agency", "bureau")))
    assert reasons(report) == [(4, "kind")]


def test_an_enormous_file_is_refused_unread(db: None) -> None:
    big = csv_bytes(MOF) + b"x" * orgcsv.MAX_BYTES
    report = run(big)
    assert not report.ok and "larger than 8 MB" in report.rejections[0].reason
    report = orgcsv.import_organisations(io.BytesIO(big), acting_user=None)
    assert "larger than 8 MB" in report.rejections[0].reason


def test_too_many_rows_are_refused(db: None) -> None:
    rows = [f"000.{i // 100:02d}.{i % 100:02d}.G12,,Đơn vị,DV,unit,0,,,,"
            for i in range(orgcsv.MAX_ROWS + 1)]
    report = run(csv_bytes(*rows))
    assert not report.ok and len(report.rejections) == 1
    assert f"more than {orgcsv.MAX_ROWS} rows" in report.rejections[0].reason
    assert not Organisation.objects.exists()


def test_a_formula_guard_from_the_export_is_taken_off(db: None) -> None:
    report = run(csv_bytes(MOF.replace(",vp@mof.gov.vn,", ",vp@mof.gov.vn,'+84 24 2220 2828")))
    assert report.ok, report.rejections
    assert Organisation.objects.get().phone == "+84 24 2220 2828"


# --- export --------------------------------------------------------------------------

def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_export_writes_parents_before_their_units(ministry: Organisation) -> None:
    # Created children first in primary-key order, then parents: the order is the tree's.
    gov = factories.ministry("000.00.00.G22", "Văn phòng Chính phủ", "VPCP")
    tax = factories.unit(ministry, "000.00.18.G12", "Tổng cục Thuế", "TCT", is_agency=True)
    factories.unit(tax, "000.01.18.G12", "Văn phòng Tổng cục")
    factories.unit(ministry, "000.00.01.G12", "Văn phòng Bộ")
    factories.unit(gov, "000.00.01.G22", "Vụ Tổng hợp")
    out = io.StringIO()
    assert orgcsv.export_organisations(out) == 6
    rows = read(out.getvalue())
    assert [r["code"] for r in rows] == ["000.00.00.G12", "000.00.01.G12", "000.00.18.G12",
                                         "000.01.18.G12", "000.00.00.G22", "000.00.01.G22"]
    assert rows[2] == {"code": "000.00.18.G12", "qd20_code": "", "name": "Tổng cục Thuế",
                       "short_name": "TCT", "kind": "agency", "is_agency": "1",
                       "parent_code": "000.00.00.G12", "address": "", "email": "",
                       "phone": ""}
    assert out.getvalue().startswith(HEADER + "\r\n")


def test_export_neutralises_formulas(ministry: Organisation) -> None:
    actions.do_update_organisation(ministry, acting_user=None, name="=HYPERLINK(\"x\")",
                                   address="@SUM(A1)", phone="+84 24 2220 2828",
                                   short_name="-BTC")
    out = io.StringIO()
    orgcsv.export_organisations(out)
    row = read(out.getvalue())[0]
    assert row["name"] == "'=HYPERLINK(\"x\")"
    assert row["address"] == "'@SUM(A1)"
    assert row["phone"] == "'+84 24 2220 2828"
    assert row["short_name"] == "'-BTC"
    assert orgcsv.safe_cell("\tcmd") == "'\tcmd" and orgcsv.safe_cell("Bộ") == "Bộ"


def test_export_then_import_round_trips(db: None) -> None:
    """Build a tree, export it, throw the tree away, import the file: the same tree."""

    class Discard(Exception):
        pass

    with pytest.raises(Discard), transaction.atomic():
        mof = actions.do_create_organisation(
            acting_user=None, name="Bộ Tài chính", short_name="BTC", code="000.00.00.G12",
            qd20_code="G12", kind="ministry", address="28 Trần Hưng Đạo, Hà Nội",
            email="vp@mof.gov.vn", phone="+84 24 2220 2828")
        tax = factories.unit(mof, "000.00.18.G12", "Tổng cục Thuế", "TCT", is_agency=True)
        factories.unit(tax, "000.01.18.G12", "Văn phòng, \"Tổng cục\"\nThuế")
        actions.do_create_organisation(acting_user=None, parent=mof, name="=Vụ Pháp chế",
                                       short_name="PC", code="000.00.05.G12",
                                       qd20_code="G12.05", kind="unit")
        factories.ministry("000.00.00.H49", "Ủy ban nhân dân tỉnh Quảng Ninh", "UBND")
        first = io.StringIO()
        orgcsv.export_organisations(first)
        fields = ["code", "qd20_code", "name", "short_name", "kind", "is_agency", "level",
                  "address", "email", "phone", "parent__code", "agency__code"]
        tree = list(Organisation.objects.order_by("code").values(*fields))
        raise Discard
    assert not Organisation.objects.exists()

    report = run(first.getvalue().encode())
    assert report.ok, report.rejections
    assert len(report.created) == 5
    assert list(Organisation.objects.order_by("code").values(*fields)) == tree
    second = io.StringIO()
    orgcsv.export_organisations(second)
    assert second.getvalue() == first.getvalue()
    # Imported again: nothing to do.
    report = run(second.getvalue().encode())
    assert report.ok and len(report.unchanged) == 5 and not report.updated


# --- commands ------------------------------------------------------------------------

def test_import_command(tmp_path: Path, db: None) -> None:
    path = tmp_path / "orgs.csv"
    path.write_bytes(csv_bytes(MOF, TAX))
    out = io.StringIO()
    call_command("import_orgs", str(path), "--dry-run", stdout=out)
    assert "Dry run" in out.getvalue() and not Organisation.objects.exists()
    call_command("import_orgs", str(path), stdout=out)
    assert Organisation.objects.count() == 2

    path.write_bytes(csv_bytes(LEGAL.replace("unit", "bureau"), TAX_OFFICE.replace("VP", "")))
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_orgs", str(path), stdout=out, stderr=err)
    assert "2 of 2 rows were rejected" in str(caught.value)
    assert "line 2, kind: " in err.getvalue() and "line 3, short_name: " in err.getvalue()
    assert Organisation.objects.count() == 2
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_orgs", str(tmp_path / "none.csv"))


def test_export_command(tmp_path: Path, office: Organisation) -> None:
    out = io.StringIO()
    call_command("export_orgs", stdout=out)
    assert [r["code"] for r in read(out.getvalue())] == ["000.00.00.G12", "000.00.01.G12"]
    assert "\r\n\n" not in out.getvalue()
    path = tmp_path / "orgs.csv"
    call_command("export_orgs", str(path), "--bom", stderr=io.StringIO())
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + HEADER.encode())
    assert run(data).unchanged == ["000.00.00.G12", "000.00.01.G12"]


def test_the_command_exits_non_zero_on_a_rejected_file(tmp_path: Path) -> None:
    path = tmp_path / "orgs.csv"
    path.write_bytes(csv_bytes(MOF).replace("Tài".encode(), "Tài".encode("cp1252")))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"EGOV_VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "egov.settings"}
    result = subprocess.run([sys.executable, "-m", "egov", "import-orgs", str(path)],
                            env=env, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 1
    # The command speaks the default interface language, Vietnamese: the file, the line
    # and the reason ("The file is not UTF-8 text").
    assert f"{path}: dòng 2: Tệp không phải văn bản UTF-8" in result.stderr


# --- pages ---------------------------------------------------------------------------

@pytest.fixture
def admin_client(client: Client, admin_user: User) -> Client:
    client.force_login(admin_user, backend=BACKEND)
    return client


def upload(data: bytes, name: str = "orgs.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_import_page_checks_then_imports(admin_client: Client, admin_user: User) -> None:
    page = admin_client.get(reverse("core:org_import"))
    assert page.status_code == 200 and 'for="id_file"' in page.content.decode()
    response = admin_client.post(reverse("core:org_import"),
                                 {"file": upload(csv_bytes(MOF, TAX)), "dry_run": "on"})
    assert response.status_code == 200
    assert response.context["report"].ok and "Dry run" in response.content.decode()
    assert not Organisation.objects.exists()

    response = admin_client.post(reverse("core:org_import"),
                                 {"file": upload(csv_bytes(MOF, TAX))})
    assert response.status_code == 302 and response["Location"] == reverse("core:org_list")
    assert Organisation.objects.count() == 2
    assert set(AuditEntry.objects.values_list("actor_id", flat=True)) == {admin_user.pk}


def test_import_page_lists_every_rejected_row(admin_client: Client) -> None:
    response = admin_client.post(reverse("core:org_import"), {"file": upload(csv_bytes(
        MOF.replace("ministry", "bureau"), TAX.replace("TCT", "")))})
    assert response.status_code == 400
    page = response.content.decode()
    assert "nothing was imported" in page
    assert '<td class="line">2</td>' in page and '<td class="line">3</td>' in page
    assert "short_name" in page and "kind" in page
    assert not Organisation.objects.exists()


def test_import_page_refuses_an_enormous_upload(admin_client: Client) -> None:
    response = admin_client.post(reverse("core:org_import"), {
        "file": upload(csv_bytes(MOF) + b" " * orgcsv.MAX_BYTES)})
    assert "larger than 8 MB" in response.context["form"].errors["file"][0]
    assert not Organisation.objects.exists()


def test_import_page_is_for_administrators(client: Client, office: Organisation) -> None:
    clerk = factories.official(office, "clerk")
    client.force_login(clerk, backend=BACKEND)
    assert client.get(reverse("core:org_import")).status_code == 403
    response = client.post(reverse("core:org_import"), {"file": upload(csv_bytes(LEGAL))})
    assert response.status_code == 403
    assert Organisation.objects.count() == 2


def test_download_for_a_spreadsheet(client: Client, office: Organisation,
                                    specialist: User) -> None:
    actions.do_update_organisation(office, acting_user=None, name="=cmd|' /C calc'!A0")
    client.force_login(specialist, backend=BACKEND)
    response = client.get(reverse("core:org_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="organisations-')
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = read(body.decode("utf-8"))
    assert [r["code"] for r in rows] == ["000.00.00.G12", "000.00.01.G12"]
    assert rows[1]["name"] == "'=cmd|' /C calc'!A0"
