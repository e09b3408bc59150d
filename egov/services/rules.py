"""Pure rules of public services: receipt codes, the status machine, the online form,
deadlines. No database access here."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from .models import Status

# --- receipt codes (STANDARDS.md §4: unverified, most likely
#     <agency code>-<yymmdd>-<4-digit daily sequence>; configurable) ---------------------

DEFAULT_RECEIPT_FORMAT = "{agency}-{date:%y%m%d}-{seq:04d}"


def receipt_code(fmt: str, agency_code: str, day: dt.date, seq: int) -> str:
    return fmt.format(agency=agency_code, date=day, seq=seq)


def agency_code_for_receipts(code: str, qd20_code: str | None) -> str:
    """The national one-stop systems use the QĐ 20/2020 code; the QCVN code otherwise."""
    return qd20_code or code


# --- status machine -------------------------------------------------------------------

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.SUBMITTED: frozenset({Status.PROCESSING, Status.MORE_REQUESTED, Status.REFUSED}),
    Status.MORE_REQUESTED: frozenset({Status.SUBMITTED, Status.PROCESSING, Status.REFUSED}),
    Status.PROCESSING: frozenset({Status.PROCESSING, Status.AWAITING_APPROVAL,
                                  Status.MORE_REQUESTED, Status.REFUSED}),
    Status.AWAITING_APPROVAL: frozenset({Status.RESULT_READY, Status.PROCESSING,
                                         Status.MORE_REQUESTED, Status.REFUSED}),
    Status.RESULT_READY: frozenset({Status.RETURNED}),
    Status.RETURNED: frozenset(),
    Status.REFUSED: frozenset(),
}
OPEN = frozenset({Status.SUBMITTED, Status.MORE_REQUESTED, Status.PROCESSING,
                  Status.AWAITING_APPROVAL})
CLOCK_RUNNING = frozenset({Status.PROCESSING, Status.AWAITING_APPROVAL})


def can_move(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


def step_days(days: Decimal) -> int:
    """A step's share in whole working days (half a day is due the same working day's
    end of the next half: counted up to a whole day)."""
    return int(Decimal(days).to_integral_value(rounding=ROUND_CEILING))


# --- deadlines --------------------------------------------------------------------------

OVERDUE = "overdue"
NEAR_DUE = "near_due"
ON_TRACK = "on_track"
NEAR_DAYS = 1


def deadline_state(due: dt.date | None, today: dt.date, status: str,
                   near_limit: dt.date | None = None) -> str:
    """Overdue (due before today), near due (due on or before ``near_limit``, by default
    tomorrow), or on track; finished dossiers are always on track."""
    if due is None or status not in OPEN:
        return ON_TRACK
    if due < today:
        return OVERDUE
    if due <= (near_limit or today + dt.timedelta(days=NEAR_DAYS)):
        return NEAR_DUE
    return ON_TRACK


def outcome(due: dt.date | None, finished: dt.date) -> str:
    """early / on_time / late of a step or dossier finished on ``finished``."""
    if due is None or finished == due:
        return "on_time"
    return "early" if finished < due else "late"


# --- the online form -----------------------------------------------------------------------

FIELD_TYPES = frozenset({"text", "textarea", "date", "number", "choice", "email", "phone"})
PROFILE_FIELDS = frozenset({"full_name", "email", "phone", "personal_id", "tax_code"})
PHONE_RE = re.compile(r"^(\+84|0)\d{9,10}$")


def check_form_definition(fields: Any) -> None:
    """The catalogue's form definition is well made (administrators edit it as JSON)."""
    if not isinstance(fields, list):
        raise ValidationError({"form_fields": [_("The form must be a list of fields.")]})
    seen: set[str] = set()
    for i, spec in enumerate(fields, 1):
        if not isinstance(spec, dict) or not spec.get("name") or not spec.get("label"):
            raise ValidationError({"form_fields": [
                _("Field %(n)d needs a name and a label.") % {"n": i}]})
        if spec.get("type", "text") not in FIELD_TYPES:
            raise ValidationError({"form_fields": [
                _("Field “%(name)s” has an unknown type.") % {"name": spec["name"]}]})
        if spec.get("profile") and spec["profile"] not in PROFILE_FIELDS:
            raise ValidationError({"form_fields": [
                _("Field “%(name)s” is prefilled from an unknown profile field.")
                % {"name": spec["name"]}]})
        if spec["name"] in seen:
            raise ValidationError({"form_fields": [
                _("Two fields are named “%(name)s”.") % {"name": spec["name"]}]})
        seen.add(spec["name"])


def clean_form(fields: list[dict[str, Any]], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check the citizen's answers against the form definition: every error names the
    field (by its label) and the reason. Returns the cleaned values (JSON-able)."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for spec in fields:
        name, label = spec["name"], spec["label"]
        kind = spec.get("type", "text")
        value = raw.get(name, "")
        value = "" if value is None else str(value).strip()
        if not value:
            if spec.get("required"):
                errors[name] = [_("“%(label)s” is required.") % {"label": label}]
            continue
        try:
            cleaned[name] = _clean_value(spec, kind, value)
        except ValueError as exc:
            errors[name] = [_("“%(label)s”: %(reason)s") % {"label": label, "reason": exc}]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_value(spec: dict[str, Any], kind: str, value: str) -> Any:
    if len(value) > int(spec.get("max_length", 1000)):
        raise ValueError(_("too long (at most %(n)d characters).")
                         % {"n": int(spec.get("max_length", 1000))})
    if kind == "number":
        try:
            number = Decimal(value.replace(",", "."))
        except ArithmeticError:
            raise ValueError(_("not a number.")) from None
        if not number.is_finite():
            raise ValueError(_("not a number."))
        if "min" in spec and number < Decimal(str(spec["min"])):
            raise ValueError(_("must be at least %(min)s.") % {"min": spec["min"]})
        if "max" in spec and number > Decimal(str(spec["max"])):
            raise ValueError(_("must be at most %(max)s.") % {"max": spec["max"]})
        return int(number) if number == number.to_integral_value() else str(number)
    if kind == "date":
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(_("not a date (YYYY-MM-DD).")) from None
        if "min" in spec and day < dt.date.fromisoformat(spec["min"]):
            raise ValueError(_("must not be before %(min)s.") % {"min": spec["min"]})
        if "max" in spec and day > dt.date.fromisoformat(spec["max"]):
            raise ValueError(_("must not be after %(max)s.") % {"max": spec["max"]})
        return day.isoformat()
    if kind == "choice":
        choices = [str(c) for c in spec.get("choices", [])]
        if value not in choices:
            raise ValueError(_("choose one of: %(choices)s.") % {"choices": ", ".join(choices)})
        return value
    if kind == "email":
        try:
            validate_email(value)
        except ValidationError:
            raise ValueError(_("not a valid e-mail address.")) from None
        return value
    if kind == "phone":
        compact = re.sub(r"[\s.\-]", "", value)
        if not PHONE_RE.match(compact):
            raise ValueError(_("not a Vietnamese telephone number (e.g. 0912345678)."))
        return compact
    return value


def normalise_phone(value: str) -> str:
    compact = re.sub(r"[\s.\-]", "", value or "")
    if compact.startswith("+84"):
        compact = "0" + compact[3:]
    return compact
