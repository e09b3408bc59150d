"""Every change of state of the foundation.

``check_*`` validates and checks rights (raising ``ValidationError`` with the field and the
reason, or ``PermissionDenied``); ``do_*`` writes, in one transaction, with its audit entry
inside it. Views, the API, commands and tests all call these.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from . import audit, rules
from .models import CalendarDay, Counter, Organisation, Position, Post, User

ORG_FIELDS = ["name", "short_name", "code", "qd20_code", "kind", "is_agency", "address",
              "email", "phone", "is_active", "is_external"]


def _require(acting_user: User | None, perm: str) -> None:
    """``acting_user=None`` is the system itself (commands, migrations, tasks)."""
    if acting_user is not None and not acting_user.has_perm(perm):
        raise PermissionDenied(_("You do not have the right to do this."))


# --- organisations -------------------------------------------------------------------

def check_organisation(
    data: dict[str, Any], *, parent: Organisation | None, instance: Organisation | None = None
) -> dict[str, Any]:
    """Validate an organisation's fields against the national code rules; returns the
    cleaned values. Raises ValidationError naming every bad field."""
    errors: dict[str, list[str]] = {}
    cleaned = {k: data[k] for k in ORG_FIELDS if k in data}
    for key in ("name", "short_name", "code"):
        value = str(cleaned.get(key, getattr(instance, key, "") or "")).strip()
        cleaned[key] = value
        if not value:
            errors.setdefault(key, []).append(_("This field is required."))
    code = cleaned.get("code", "")
    if code:
        try:
            rules.QcvnCode.parse(code)
            if parent is not None:
                rules.check_child_code(parent.code, code)
        except rules.CodeError as exc:
            errors.setdefault("code", []).append(str(exc))
        clash = Organisation.objects.filter(code=code)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors.setdefault("code", []).append(
                _("The code %(code)s is already used by another organisation.") % {"code": code})
    qd20 = (cleaned.get("qd20_code") or "").strip() or None
    cleaned["qd20_code"] = qd20
    if qd20:
        try:
            rules.check_qd20_code(qd20)
            if parent is not None and parent.qd20_code:
                rules.check_child_qd20_code(parent.qd20_code, qd20)
        except rules.CodeError as exc:
            errors.setdefault("qd20_code", []).append(str(exc))
        clash = Organisation.objects.filter(qd20_code=qd20)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors.setdefault("qd20_code", []).append(
                _("The code %(code)s is already used by another organisation.") % {"code": qd20})
    kind = cleaned.get("kind", getattr(instance, "kind", None))
    if kind not in Organisation.Kind.values:
        errors.setdefault("kind", []).append(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(Organisation.Kind.values)})
    if cleaned.get("email"):
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            errors.setdefault("email", []).append(_("Enter a valid e-mail address."))
    if parent is None and kind == Organisation.Kind.UNIT:
        errors.setdefault("parent", []).append(_("A unit must belong to an organisation."))
    if parent is not None and not parent.is_active and (
        instance is None or instance.parent_id != parent.pk
    ):
        errors.setdefault("parent", []).append(
            _("“%(parent)s” is no longer active: nothing can be added under it.")
            % {"parent": parent})
    if instance is not None and instance.is_active and cleaned.get("is_active") is False:
        if Organisation.objects.filter(parent=instance, is_active=True).exists():
            errors.setdefault("is_active", []).append(_(
                "An organisation with active units cannot be deactivated: deactivate or "
                "move its units first."))
        if Post.objects.filter(organisation=instance, is_active=True).exists():
            errors.setdefault("is_active", []).append(_(
                "People still hold posts in this organisation: end or move their posts "
                "first."))
    if instance is not None and parent is not None and (
        parent.pk == instance.pk or parent.path.startswith(instance.path)
    ):
        errors.setdefault("parent", []).append(
            _("“%(parent)s” is inside “%(org)s”: moving it there would make a cycle.")
            % {"parent": parent, "org": instance})
    if errors:
        raise ValidationError(errors)
    if kind != Organisation.Kind.UNIT and "is_agency" not in cleaned and instance is None:
        cleaned["is_agency"] = True
    return cleaned


def _place(org: Organisation, parent: Organisation | None) -> None:
    """Set level, path and agency from the parent (org must have a primary key)."""
    org.parent = parent
    org.level = rules.code_level(org.code)
    org.path = f"{parent.path if parent else '/'}{org.pk}/"
    if org.is_agency or parent is None:
        org.agency_id = org.pk
    else:
        org.agency_id = parent.agency_id


def do_create_organisation(
    *, acting_user: User | None, parent: Organisation | None = None, **data: Any
) -> Organisation:
    _require(acting_user, "core.add_organisation")
    cleaned = check_organisation(data, parent=parent)
    with transaction.atomic():
        org = Organisation(**cleaned, parent=parent, level=rules.code_level(cleaned["code"]),
                           path="/")
        org.save()
        _place(org, parent)
        org.save(update_fields=["parent", "level", "path", "agency"])
        audit.record(acting_user=acting_user, action="core.create_organisation", obj=org,
                     after=audit.snapshot(org))
    return org


def check_update_organisation(org: Organisation, data: dict[str, Any]) -> dict[str, Any]:
    """Validate a change of an organisation's fields; returns every field, cleaned."""
    unknown = set(data) - set(ORG_FIELDS)
    if unknown:
        raise TypeError(f"not fields of an organisation: {', '.join(sorted(unknown))}")
    merged = {k: getattr(org, k) for k in ORG_FIELDS} | data
    cleaned = check_organisation(merged, parent=org.parent, instance=org)
    if cleaned["code"] != org.code and org.children.exists():
        raise ValidationError({"code": [_(
            "The code of an organisation with units cannot change: move or recode its "
            "units first.")]})
    if cleaned["qd20_code"] != org.qd20_code and org.children.exclude(
        qd20_code__isnull=True
    ).exists():
        raise ValidationError({"qd20_code": [_(
            "The QĐ 20/2020 code of an organisation whose units have QĐ 20/2020 codes "
            "cannot change: their codes extend it.")]})
    return cleaned


def _reassign_agency_below(org: Organisation) -> None:
    """After ``org`` became or stopped being an agency: every unit below it that is not
    an agency itself points at its nearest agency again (parents before children)."""
    below = list(Organisation.objects.filter(path__startswith=org.path).exclude(pk=org.pk)
                 .only("pk", "parent_id", "is_agency", "agency_id", "path"))
    agency_of = {org.pk: org.agency_id}
    for unit in sorted(below, key=lambda o: o.path.count("/")):
        agency = unit.pk if unit.is_agency else agency_of.get(unit.parent_id or 0, unit.pk)
        agency_of[unit.pk] = agency
        if unit.agency_id != agency:
            Organisation.objects.filter(pk=unit.pk).update(agency_id=agency)


def do_update_organisation(
    org: Organisation, *, acting_user: User | None, **data: Any
) -> Organisation:
    """Change an organisation's fields (not its place in the tree: see do_move)."""
    _require(acting_user, "core.change_organisation")
    cleaned = check_update_organisation(org, data)
    with transaction.atomic():
        org = Organisation.objects.select_for_update().get(pk=org.pk)
        before = audit.snapshot(org)
        for key, value in cleaned.items():
            setattr(org, key, value)
        org.level = rules.code_level(org.code)
        org.agency_id = org.pk if org.is_agency or org.parent_id is None else (
            org.parent.agency_id if org.parent else org.pk)
        org.save()
        if org.agency_id != before["agency_id"]:
            _reassign_agency_below(org)
        audit.record(acting_user=acting_user, action="core.update_organisation", obj=org,
                     before=before, after=audit.snapshot(org))
    return org


def check_move_organisation(org: Organisation, *, parent: Organisation, code: str) -> str:
    """Validate putting ``org`` under ``parent`` with ``code``; returns the cleaned code."""
    merged = {k: getattr(org, k) for k in ORG_FIELDS} | {"code": code}
    cleaned = check_organisation(merged, parent=parent, instance=org)
    if org.children.exists():
        raise ValidationError({"parent": [_(
            "Only a unit without units of its own can move: their codes would all change.")]})
    return str(cleaned["code"])


def do_move_organisation(
    org: Organisation, *, acting_user: User | None, parent: Organisation, code: str
) -> Organisation:
    """Put a unit under another parent, with the new code that the move requires."""
    _require(acting_user, "core.change_organisation")
    code = check_move_organisation(org, parent=parent, code=code)
    with transaction.atomic():
        org = Organisation.objects.select_for_update().get(pk=org.pk)
        before = audit.snapshot(org)
        org.code = code
        _place(org, parent)
        org.save()
        audit.record(acting_user=acting_user, action="core.move_organisation", obj=org,
                     before=before, after=audit.snapshot(org))
    return org


# --- people --------------------------------------------------------------------------

def check_account(
    *, username: str, password: str | None, email: str = "", kind: str = User.Kind.OFFICIAL,
    personal_id: str | None = None, tax_code: str | None = None,
) -> None:
    errors: dict[str, list[str]] = {}
    if not username or not username.strip():
        errors["username"] = [_("This field is required.")]
    elif User.objects.filter(username=username).exists():
        errors["username"] = [_("This user name is already taken.")]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    if password is not None:
        try:
            validate_password(password, User(username=username, email=email))
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if kind == User.Kind.CITIZEN and personal_id is not None:
        if not (personal_id.isdigit() and len(personal_id) == 12):
            errors["personal_id"] = [_("A personal identification number has 12 digits.")]
        elif User.objects.filter(personal_id=personal_id).exists():
            errors["personal_id"] = [_("This number is already registered.")]
    if kind == User.Kind.BUSINESS:
        if not tax_code or not (tax_code.replace("-", "").isdigit()
                                and len(tax_code.replace("-", "")) in (10, 13)):
            errors["tax_code"] = [_("An enterprise code has 10 digits (13 for a branch).")]
        elif User.objects.filter(tax_code=tax_code).exists():
            errors["tax_code"] = [_("This enterprise code is already registered.")]
    if errors:
        raise ValidationError(errors)


def check_create_official(
    *, username: str, full_name: str, unit: Organisation | None, position: str,
    password: str | None = None, email: str = "",
) -> None:
    errors: dict[str, list[str]] = {}
    try:
        check_account(username=username, password=password, email=email)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if unit is None:
        errors["unit"] = [_("An official must belong to a unit.")]
    elif not unit.is_active:
        errors["unit"] = [_("“%(unit)s” is no longer active.") % {"unit": unit}]
    if position not in Position.values:
        errors["position"] = [_("Choose a position from the list.")]
    if not full_name.strip():
        errors["full_name"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)


def do_create_official(
    *, acting_user: User | None, username: str, full_name: str, unit: Organisation | None,
    position: str, password: str | None = None, email: str = "", phone: str = "",
    title: str = "", password_hash: str | None = None,
) -> User:
    """An official always has a unit and a position: their primary post."""
    _require(acting_user, "core.add_user")
    check_create_official(username=username, full_name=full_name, unit=unit,
                          position=position, password=password, email=email)
    assert unit is not None
    with transaction.atomic():
        user = User(username=username, full_name=full_name.strip(), email=email, phone=phone,
                    kind=User.Kind.OFFICIAL)
        if password_hash:
            user.password = password_hash
        elif password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        post = Post.objects.create(user=user, organisation=unit, position=position,
                                   title=title, is_primary=True)
        audit.record(acting_user=acting_user, action="core.create_official", obj=user,
                     after=audit.snapshot(user) | {"post": audit.snapshot(post)})
    return user


def do_create_public_account(
    *, username: str, full_name: str, kind: str, password: str, email: str = "",
    phone: str = "", personal_id: str | None = None, tax_code: str | None = None,
    password_hash: str | None = None,
) -> User:
    """A citizen or business registers itself (or is created by the demo loader)."""
    if kind not in (User.Kind.CITIZEN, User.Kind.BUSINESS):
        raise ValidationError({"kind": [_("Choose citizen or business.")]})
    check_account(username=username, password=None if password_hash else password,
                  email=email, kind=kind, personal_id=personal_id, tax_code=tax_code)
    with transaction.atomic():
        user = User(username=username, full_name=full_name, kind=kind, email=email,
                    phone=phone, personal_id=personal_id or None, tax_code=tax_code or None)
        if password_hash:
            user.password = password_hash
        else:
            user.set_password(password)
        user.save()
        audit.record(acting_user=user, action="core.register_account", obj=user,
                     after=audit.snapshot(user))
    return user


def check_add_post(user: User, *, unit: Organisation | None, position: str) -> None:
    if user.kind != User.Kind.OFFICIAL:
        raise ValidationError({"user": [_("Only officials hold posts.")]})
    errors: dict[str, list[str]] = {}
    if unit is None:
        errors["unit"] = [_("This field is required.")]
    elif not unit.is_active:
        errors["unit"] = [_("“%(unit)s” is no longer active.") % {"unit": unit}]
    if position not in Position.values:
        errors["position"] = [_("Choose a position from the list.")]
    elif unit is not None and Post.objects.filter(
        user=user, organisation=unit, position=position, is_active=True
    ).exists():
        errors["position"] = [_("This official already holds this post.")]
    if errors:
        raise ValidationError(errors)


def do_add_post(
    user: User, *, acting_user: User | None, unit: Organisation, position: str,
    title: str = "",
) -> Post:
    """A concurrent post (kiêm nhiệm) in another unit."""
    _require(acting_user, "core.change_user")
    check_add_post(user, unit=unit, position=position)
    with transaction.atomic():
        is_primary = not Post.objects.filter(user=user, is_primary=True, is_active=True).exists()
        post = Post.objects.create(user=user, organisation=unit, position=position,
                                   title=title, is_primary=is_primary)
        audit.record(acting_user=acting_user, action="core.add_post", obj=post,
                     after=audit.snapshot(post))
    return post


def do_end_post(post: Post, *, acting_user: User | None) -> Post:
    _require(acting_user, "core.change_user")
    if not post.is_active:
        raise ValidationError({"post": [_("This post has already ended.")]})
    if post.is_primary:
        raise ValidationError({"post": [_(
            "The primary post cannot end while the official works here: give another "
            "primary post first, or deactivate the account.")]})
    with transaction.atomic():
        before = audit.snapshot(post)
        post.is_active = False
        post.save(update_fields=["is_active"])
        audit.record(acting_user=acting_user, action="core.end_post", obj=post,
                     before=before, after=audit.snapshot(post))
    return post


ACCOUNT_FIELDS = ["full_name", "email", "phone", "is_active"]
ACCOUNT_RIGHTS = ["is_staff", "is_superuser"]


def check_update_account(
    user: User, *, acting_user: User | None, data: dict[str, Any],
    groups: list[Any] | None = None, permissions: list[Any] | None = None,
) -> dict[str, Any]:
    """Validate a change of an account's details; returns the changed fields, cleaned.

    Administrator rights (staff, superuser, groups, permissions) are given or taken only
    by a superuser: whoever may edit accounts must not be able to raise their own rights.
    """
    unknown = set(data) - set(ACCOUNT_FIELDS) - set(ACCOUNT_RIGHTS)
    if unknown:
        raise TypeError(f"not fields of an account: {', '.join(sorted(unknown))}")
    errors: dict[str, list[str]] = {}
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
    if "full_name" in cleaned and user.kind == User.Kind.OFFICIAL and not cleaned["full_name"]:
        errors["full_name"] = [_("This field is required.")]
    if cleaned.get("email"):
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    changes_rights = any(
        key in cleaned and cleaned[key] != getattr(user, key) for key in ACCOUNT_RIGHTS
    ) or (groups is not None and {g.pk for g in groups} != set(
        user.groups.values_list("pk", flat=True))
    ) or (permissions is not None and {p.pk for p in permissions} != set(
        user.user_permissions.values_list("pk", flat=True)))
    if changes_rights and acting_user is not None and not acting_user.is_superuser:
        errors["is_superuser"] = [_("Only a superuser may change administrator rights.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def do_update_account(
    user: User, *, acting_user: User | None, groups: list[Any] | None = None,
    permissions: list[Any] | None = None, **data: Any,
) -> User:
    """Change an account's details and, for superusers, its administrator rights."""
    _require(acting_user, "core.change_user")
    cleaned = check_update_account(user, acting_user=acting_user, data=data, groups=groups,
                                   permissions=permissions)

    def rights(u: User) -> dict[str, Any]:
        return {"groups": sorted(u.groups.values_list("name", flat=True)),
                "permissions": sorted(
                    f"{app}.{codename}" for app, codename in u.user_permissions.values_list(
                        "content_type__app_label", "codename"))}

    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = audit.snapshot(user) | rights(user)
        for key, value in cleaned.items():
            setattr(user, key, value)
        user.save()
        if groups is not None:
            user.groups.set(groups)
        if permissions is not None:
            user.user_permissions.set(permissions)
        audit.record(acting_user=acting_user, action="core.update_account", obj=user,
                     before=before, after=audit.snapshot(user) | rights(user))
    return user


# --- calendar ------------------------------------------------------------------------

def do_set_calendar_day(
    *, acting_user: User | None, date: dt.date, is_working_day: bool, note: str = ""
) -> CalendarDay:
    """Make a date a day off (nghỉ bù) or a working day (làm bù) for its year."""
    _require(acting_user, "core.change_calendarday")
    with transaction.atomic():
        existing = CalendarDay.objects.select_for_update().filter(date=date).first()
        before = audit.snapshot(existing) if existing else None
        day, _created = CalendarDay.objects.update_or_create(
            date=date, defaults={"is_working_day": is_working_day, "note": note})
        audit.record(acting_user=acting_user, action="core.set_calendar_day", obj=day,
                     before=before, after=audit.snapshot(day))
    from . import calendar

    transaction.on_commit(calendar.clear_cache)
    return day


def do_clear_calendar_day(*, acting_user: User | None, date: dt.date) -> None:
    _require(acting_user, "core.delete_calendarday")
    with transaction.atomic():
        day = CalendarDay.objects.select_for_update().filter(date=date).first()
        if day is None:
            raise ValidationError({"date": [_("There is no change on this date.")]})
        before = audit.snapshot(day)
        pk = day.pk
        day.delete()
        audit.record(acting_user=acting_user, action="core.clear_calendar_day",
                     object_type="core.calendarday", object_id=pk,
                     object_repr=date.isoformat(), before=before)
    from . import calendar

    transaction.on_commit(calendar.clear_cache)


# --- counters ------------------------------------------------------------------------

def next_number(series: str, year: int) -> int:
    """The next number of a series for a year, under a row lock in the caller's
    transaction: no two callers get the same number and none is skipped."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("next_number() must run inside the action's transaction")
    value = _increment(connection, series, year)
    if value is None:
        try:
            with transaction.atomic():
                Counter.objects.create(series=series, year=year, value=0)
        except IntegrityError:
            pass  # another transaction created it first; increment it below
        value = _increment(connection, series, year)
        assert value is not None
    return value


def _increment(connection: Any, series: str, year: int) -> int | None:
    """``UPDATE … SET value = value + 1 … RETURNING value``: the row lock (held until the
    caller's transaction ends; a concurrent caller waits, then increments the value this
    one committed) and the new number in one statement, where a locking SELECT and a
    save took two (every receipt code and document number passes here). PostgreSQL and
    SQLite (3.35+) both return from UPDATE; None when the series has no row yet."""
    quote = connection.ops.quote_name
    table, value = quote(Counter._meta.db_table), quote("value")
    with connection.cursor() as cursor:
        # Table and column names from the model, quoted; the values are parameters.
        cursor.execute(f"UPDATE {table} SET {value} = {value} + 1 "  # noqa: S608
                       f"WHERE {quote('series')} = %s AND {quote('year')} = %s "
                       f"RETURNING {value}", [series, year])
        row = cursor.fetchone()
    return None if row is None else int(row[0])
