"""The documents API: the same actions and the same permissions as the pages.

Thin: every row comes from the permission querysets (``queries``), so a document another
agency keeps (or a secret one not granted by name) is simply not found (404, never 403);
every change goes through ``actions``, whose ValidationError (400 naming the field) and
PermissionDenied (403) reach the caller through egov/core/api/exceptions.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from egov.core.models import Organisation, Post, User

from .. import actions, queries, search
from ..models import (
    Assignment,
    Direction,
    Document,
    DocumentFile,
    Opinion,
    Recipient,
    Role,
    StatusChange,
    WorkFile,
    WorkFileItem,
)
from ..rules import ProcessingStatus
from . import serializers as s

TAG = "documents"

# The lead first, then the coordinators, then those informed; each in the order given.
ROLE_ORDER = Case(When(role=Role.LEAD, then=Value(0)), When(role=Role.COORDINATE, then=Value(1)),
                  default=Value(2), output_field=IntegerField())


# --- shared pieces -------------------------------------------------------------------

class IsOfficial(permissions.BasePermission):
    """Documents are for officials; citizens and businesses have other doors."""

    message = gettext_lazy("Only officials work with documents.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active
                    and getattr(user, "kind", None) == User.Kind.OFFICIAL)


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class BinaryRenderer(BaseRenderer):
    """Lets a client that asks for the file's own type reach the download; errors on that
    path still come back as JSON."""

    media_type = "*/*"
    format = "bin"
    charset = None

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: Mapping[str, Any] | None = None) -> bytes:
        if isinstance(data, bytes):
            return data
        return json.dumps(data).encode()


def _user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _bad(field: str, messages: Iterable[str]) -> serializers.ValidationError:
    return serializers.ValidationError({field: list(messages)})


def _organisations(ids: Iterable[int], field: str) -> list[Organisation]:
    wanted = list(dict.fromkeys(ids))
    found = Organisation.objects.filter(pk__in=wanted, is_active=True).in_bulk()
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise _bad(field, [_("No active organisation has the id %(id)s.") % {"id": pk}
                           for pk in missing])
    return [found[pk] for pk in wanted]


def _official(pk: int, field: str) -> User:
    user = User.objects.filter(pk=pk, is_active=True, kind=User.Kind.OFFICIAL).first()
    if user is None:
        raise _bad(field, [_("No active official has the id %(id)s.") % {"id": pk}])
    return user


def _visible(user: User, ids: Iterable[int], field: str) -> list[Document]:
    """Documents the person may see, by id; any other id is "not found", whether it
    exists or not (no leak)."""
    wanted = list(dict.fromkeys(ids))
    found = queries.visible_documents(user).in_bulk(wanted)
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise _bad(field, [_("No document you may see has the id %(id)s.") % {"id": pk}
                           for pk in missing])
    return [found[pk] for pk in wanted]


def _parse(serializer_class: type[serializers.Serializer[Any]], data: Any,
           partial: bool = False) -> dict[str, Any]:
    incoming = serializer_class(data=data, partial=partial)
    incoming.is_valid(raise_exception=True)
    return dict(incoming.validated_data)


# --- documents -----------------------------------------------------------------------

LIST_PARAMETERS = [
    OpenApiParameter("direction", str, enum=Direction.values,
                     description="incoming (văn bản đến) or outgoing (văn bản đi)."),
    OpenApiParameter("status", str, enum=s.Status.values, description="Document status."),
    OpenApiParameter("processing", str, enum=ProcessingStatus.values,
                     description="Processing status against the deadline, as of today."),
    OpenApiParameter("doc_type", str, enum=s.DocumentType.values, description="Document type."),
    OpenApiParameter("q", str, description=(
        "Full text over number and symbol, subject, issuer, signer and the files' text, "
        "with or without diacritics; every word must match; best first.")),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description=(
        "From this day: the day received for incoming documents, the issue day for "
        "outgoing ones (the day created while not issued).")),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Up to this day, included."),
    OpenApiParameter("page_size", int, description="Rows per page (at most 200)."),
]



def _path_id(what: str) -> OpenApiParameter:
    # Declared, not derived from the model's verbose name: the description stays the same
    # whatever language the catalogue translates that name into.
    return OpenApiParameter("id", int, OpenApiParameter.PATH, description=f"{what} id.")


DOC_ID = _path_id("Document")
ASSIGNMENT_ID = _path_id("Assignment")
WORK_FILE_ID = _path_id("Work file")
FILE_ID = OpenApiParameter("file_id", int, OpenApiParameter.PATH, description="File id.")


def _document_date_q(lookup: str, day: Any) -> Q:
    """Filter on the day that places a document in its register."""
    return (Q(direction=Direction.INCOMING, **{f"received_at__date__{lookup}": day})
            | Q(direction=Direction.OUTGOING, issue_date__isnull=False,
                **{f"issue_date__{lookup}": day})
            | Q(direction=Direction.OUTGOING, issue_date__isnull=True,
                **{f"created_at__date__{lookup}": day}))


def filter_documents(qs: QuerySet[Document], params: dict[str, Any]) -> QuerySet[Document]:
    """The list's filters (already typed by DocumentFilterSerializer)."""
    for field in ("direction", "status", "doc_type", "processing"):
        if params.get(field):
            qs = qs.filter(**{field: params[field]})
    if params.get("date_from"):
        qs = qs.filter(_document_date_q("gte", params["date_from"]))
    if params.get("date_to"):
        qs = qs.filter(_document_date_q("lte", params["date_to"]))
    if (params.get("q") or "").strip():
        return search.apply(qs, params["q"])
    return qs.order_by("-created_at", "-id")


@extend_schema_view(
    list=extend_schema(summary="List the documents you may see", parameters=LIST_PARAMETERS,
                       tags=[TAG]),
    retrieve=extend_schema(summary="Read a document", tags=[TAG], parameters=[DOC_ID],
                           responses={200: s.DocumentDetailSerializer,
                                      404: OpenApiResponse(description="Not found, or not "
                                                           "yours to see.")}),
)
class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet[Document]):
    """Incoming and outgoing documents: only those the caller may see exist here."""

    serializer_class = s.DocumentSerializer
    permission_classes = [permissions.IsAuthenticated, IsOfficial]
    pagination_class = Pagination
    lookup_value_regex = "[0-9]+"
    queryset = Document.objects.none()  # for the schema; get_queryset gives the rows
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[Document]:
        if getattr(self, "swagger_fake_view", False):
            return Document.objects.none()
        visible = queries.visible_documents(_user(self.request))
        if self.action == "list":
            params = _parse(s.DocumentFilterSerializer, self.request.query_params)
            return filter_documents(
                queries.with_processing_status(visible.select_related("unit")), params)
        return queries.with_processing_status(visible)

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return s.DocumentSerializer if self.action == "list" else s.DocumentDetailSerializer

    def _detail(self, document: Document,
                status_code: int = status.HTTP_200_OK) -> Response:
        """The document as its reader sees it now, with its files, assignments,
        opinions, recipients and history."""
        user = _user(self.request)
        visible = queries.visible_documents(user)
        row = (queries.with_processing_status(visible)
               .select_related("unit", "agency", "register")
               .prefetch_related(
                   "files",
                   Prefetch("assignments",
                            queryset=Assignment.objects.select_related("unit", "user")
                            .order_by(ROLE_ORDER, "id")),
                   Prefetch("opinions", queryset=Opinion.objects.select_related("author")),
                   Prefetch("recipients",
                            queryset=Recipient.objects.select_related("organisation")),
                   Prefetch("history", queryset=StatusChange.objects.select_related("by")))
               .filter(pk=document.pk).first())
        if row is None:  # the caller acted on it and no longer sees it
            raise Http404
        answers = list(visible.filter(answered_by=row).order_by("pk")
                       .values_list("pk", flat=True))
        data = s.DocumentDetailSerializer(row, context={"answers": answers}).data
        return Response(data, status=status_code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    # -- incoming --

    @extend_schema(summary="Register an incoming document", tags=[TAG],
                   request={"multipart/form-data": s.RegisterIncomingSerializer,
                            "application/json": s.RegisterIncomingSerializer},
                   responses={201: s.DocumentDetailSerializer,
                              400: OpenApiResponse(
                                  s.DuplicateErrorSerializer,
                                  description="Bad input (the fields named), or a possible "
                                              "duplicate (code \"duplicate\").")})
    @action(detail=False, methods=["post"], url_path="incoming",
            parser_classes=[MultiPartParser, JSONParser])
    def register_incoming(self, request: Request) -> Response:
        """The records clerk registers a document received (văn bản đến) in the agency's
        incoming register: it takes the next incoming number of the year."""
        user = _user(request)
        data = _parse(s.RegisterIncomingSerializer, request.data)
        uploads = data.pop("files")
        issuer_id = data.pop("issuer")
        issuer = _organisations([issuer_id], "issuer")[0] if issuer_id is not None else None
        try:
            document = actions.do_register_incoming(acting_user=user, uploads=uploads,
                                                    issuer=issuer, **data)
        except DjangoValidationError as exc:
            duplicate = self._duplicate(exc, user, data | {
                "issuer_name": data["issuer_name"] or (issuer.name if issuer else "")})
            if duplicate is not None:
                return duplicate
            raise
        return self._detail(document, status.HTTP_201_CREATED)

    def _duplicate(self, exc: DjangoValidationError, user: User,
                   data: dict[str, Any]) -> Response | None:
        errors = getattr(exc, "error_dict", {}).get("symbol", [])
        flagged = [e for e in errors if e.code == "duplicate"]
        if not flagged or len(exc.error_dict) != 1:
            return None
        same = actions.find_duplicates(
            agency=actions.clerk_agency(user), issuer_name=data.get("issuer_name", ""),
            symbol=data.get("symbol", ""), issue_date=data.get("issue_date"))
        shown = queries.visible_documents(user).filter(pk__in=[d.pk for d in same])
        messages = [ErrorDetail(m, code="duplicate") for e in flagged for m in e.messages]
        return Response({"symbol": messages, "code": "duplicate",
                         "duplicates": s.DuplicateSerializer(shown, many=True).data},
                        status=status.HTTP_400_BAD_REQUEST)

    @extend_schema(summary="Pass to the leaders for assignment", tags=[TAG],
                   parameters=[DOC_ID],
                   request=s.NoteSerializer, responses=s.DocumentDetailSerializer)
    @action(detail=True, methods=["post"], url_path="submit-for-assignment")
    def submit_for_assignment(self, request: Request, pk: str | None = None) -> Response:
        data = _parse(s.NoteSerializer, request.data)
        document = actions.do_submit_for_assignment(self.get_object(),
                                                    acting_user=_user(request), **data)
        return self._detail(document)

    @extend_schema(summary="Assign (leader)", tags=[TAG],
                   parameters=[DOC_ID], request=s.AssignSerializer,
                   responses=s.DocumentDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        """One lead (chủ trì), coordinators (phối hợp), recipients for information (để
        biết), a deadline in working days (or a date) and an instruction."""
        document = self.get_object()
        data = _parse(s.AssignSerializer, request.data)

        def who(item: dict[str, Any], field: str) -> Organisation | User:
            if item.get("unit") is not None:
                return _organisations([item["unit"]], field)[0]
            return _official(item["user"], field)

        lead = who(data["lead"], "lead") if data.get("lead") else None
        document = actions.do_assign(
            document, acting_user=_user(request), lead=lead,
            coordinators=[who(c, "coordinators") for c in data["coordinators"]],
            informed=[who(i, "informed") for i in data["informed"]],
            deadline_days=data["deadline_days"], deadline=data["deadline"],
            instruction=data["instruction"])
        return self._detail(document)

    @extend_schema(methods=["GET"], summary="Opinions on a document", tags=[TAG],
                   parameters=[DOC_ID],
                   request=None, responses=s.OpinionSerializer(many=True))
    @extend_schema(methods=["POST"], summary="Add an opinion", tags=[TAG],
                   parameters=[DOC_ID],
                   request=s.OpinionCreateSerializer, responses={201: s.OpinionSerializer})
    @action(detail=True, methods=["get", "post"])
    def opinions(self, request: Request, pk: str | None = None) -> Response:
        document = self.get_object()
        if request.method == "GET":
            rows = Opinion.objects.filter(document=document).select_related("author")
            return Response(s.OpinionSerializer(rows, many=True).data)
        data = _parse(s.OpinionCreateSerializer, request.data)
        opinion = actions.do_add_opinion(document, acting_user=_user(request), **data)
        return Response(s.OpinionSerializer(opinion).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Attach files", tags=[TAG],
                   parameters=[DOC_ID],
                   request={"multipart/form-data": s.AttachSerializer},
                   responses={201: s.DocumentFileSerializer(many=True)})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attach(self, request: Request, pk: str | None = None) -> Response:
        document = self.get_object()
        data = _parse(s.AttachSerializer, request.data)
        rows = actions.do_attach(document, acting_user=_user(request), uploads=data["files"])
        return Response(s.DocumentFileSerializer(rows, many=True).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="Download a file of a document", tags=[TAG],
                   parameters=[DOC_ID, FILE_ID],
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY,
                              404: OpenApiResponse(description="Not found, or not yours "
                                                   "to see.")})
    @action(detail=True, methods=["get"], url_path=r"files/(?P<file_id>[0-9]+)",
            url_name="file", renderer_classes=[JSONRenderer, BinaryRenderer])
    def file(self, request: Request, pk: str | None = None,
             file_id: str | None = None) -> FileResponse:
        document = self.get_object()
        row = DocumentFile.objects.filter(document=document, pk=int(file_id or 0)).first()
        if row is None:
            raise Http404
        return FileResponse(row.file.open("rb"), as_attachment=True, filename=row.name,
                            content_type=row.content_type)

    @extend_schema(summary="Grant a person access to a secret document", tags=[TAG],
                   parameters=[DOC_ID],
                   request=s.GrantSerializer, responses={201: s.GrantedSerializer})
    @action(detail=True, methods=["post"])
    def grants(self, request: Request, pk: str | None = None) -> Response:
        document = self.get_object()
        data = _parse(s.GrantSerializer, request.data)
        grant = actions.grant_access(document, acting_user=_user(request),
                                     user=_official(data["user"], "user"))
        return Response(s.GrantedSerializer(grant).data, status=status.HTTP_201_CREATED)

    # -- outgoing --

    @extend_schema(summary="Draft an outgoing document", tags=[TAG],
                   request={"multipart/form-data": s.DraftCreateSerializer,
                            "application/json": s.DraftCreateSerializer},
                   responses={201: s.DocumentDetailSerializer})
    @action(detail=False, methods=["post"], url_path="drafts",
            parser_classes=[MultiPartParser, JSONParser])
    def create_draft(self, request: Request) -> Response:
        """A specialist drafts (dự thảo): metadata, recipients, the documents it answers,
        and its file (version 1)."""
        user = _user(request)
        data = _parse(s.DraftCreateSerializer, request.data)
        recipients = _organisations(data.pop("recipients"), "recipients")
        answers = _visible(user, data.pop("answers"), "answers")
        document = actions.do_create_draft(acting_user=user, recipients=recipients,
                                           answers=answers, uploads=data.pop("files"), **data)
        return self._detail(document, status.HTTP_201_CREATED)

    @extend_schema(summary="Change a draft", tags=[TAG],
                   parameters=[DOC_ID],
                   request={"multipart/form-data": s.DraftUpdateSerializer,
                            "application/json": s.DraftUpdateSerializer},
                   responses=s.DocumentDetailSerializer)
    @action(detail=True, methods=["patch"], url_path="draft",
            parser_classes=[MultiPartParser, JSONParser])
    def update_draft(self, request: Request, pk: str | None = None) -> Response:
        """The drafter changes a draft (or one returned for changes); new files become
        the next version, the earlier ones are kept."""
        document = self.get_object()
        data = _parse(s.DraftUpdateSerializer, request.data, partial=True)
        recipients = (_organisations(data.pop("recipients"), "recipients")
                      if "recipients" in data else None)
        document = actions.do_update_draft(document, acting_user=_user(request),
                                           uploads=data.pop("files", []),
                                           recipients=recipients, **data)
        return self._detail(document)

    @extend_schema(summary="Submit a draft for review", tags=[TAG],
                   parameters=[DOC_ID], request=None,
                   responses=s.DocumentDetailSerializer)
    @action(detail=True, methods=["post"], url_path="submit-for-review")
    def submit_for_review(self, request: Request, pk: str | None = None) -> Response:
        document = actions.do_submit_for_review(self.get_object(), acting_user=_user(request))
        return self._detail(document)

    @extend_schema(summary="Review a draft (unit head)", tags=[TAG],
                   parameters=[DOC_ID],
                   request=s.DecisionSerializer, responses=s.DocumentDetailSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        document = self.get_object()
        data = _parse(s.DecisionSerializer, request.data)
        document = actions.do_review(document, acting_user=_user(request), **data)
        return self._detail(document)

    @extend_schema(summary="Approve a draft (agency leader)", tags=[TAG],
                   parameters=[DOC_ID],
                   request=s.ApproveSerializer, responses=s.DocumentDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        document = self.get_object()
        data = _parse(s.ApproveSerializer, request.data)
        document = actions.do_approve(document, acting_user=_user(request), **data)
        return self._detail(document)

    @extend_schema(summary="Number and issue (records clerk)", tags=[TAG],
                   parameters=[DOC_ID], request=None,
                   responses=s.DocumentDetailSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: str | None = None) -> Response:
        """Takes the next number of the document's register (under a lock: no two
        documents get the same number, none is skipped); internal recipients receive it
        at once, external ones wait for the exchange hub."""
        document = actions.do_issue(self.get_object(), acting_user=_user(request))
        return self._detail(document)


# --- assignments ---------------------------------------------------------------------

@extend_schema_view(
    list=extend_schema(summary="List assignments of documents you may see", tags=[TAG],
                       parameters=[
                           OpenApiParameter("document", int,
                                            description="Only those of this document."),
                           OpenApiParameter("mine", bool, description=(
                               "true: only those given to you or to your units.")),
                           OpenApiParameter("open", bool,
                                            description="true: not done; false: done."),
                       ]),
    retrieve=extend_schema(summary="Read an assignment", tags=[TAG],
                           parameters=[ASSIGNMENT_ID]),
)
class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet[Assignment]):
    """Parts of the handling of incoming documents (chủ trì, phối hợp, để biết)."""

    serializer_class = s.AssignmentSerializer
    permission_classes = [permissions.IsAuthenticated, IsOfficial]
    pagination_class = Pagination
    lookup_value_regex = "[0-9]+"
    queryset = Assignment.objects.none()
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[Assignment]:
        if getattr(self, "swagger_fake_view", False):
            return Assignment.objects.none()
        user = _user(self.request)
        qs = (Assignment.objects
              .filter(document__in=queries.visible_documents(user).values("pk"))
              .select_related("unit", "user").order_by("document_id", ROLE_ORDER, "id"))
        if self.action != "list":
            return qs
        params = self.request.query_params
        if params.get("document"):
            try:
                qs = qs.filter(document_id=int(params["document"]))
            except ValueError:
                raise _bad("document", [_("A valid integer is required.")]) from None
        truthy = {"true", "1", "yes"}
        if params.get("mine", "").lower() in truthy:
            units = Post.objects.filter(user=user, is_active=True).values("organisation_id")
            qs = qs.filter(Q(user=user) | Q(unit_id__in=units))
        if params.get("open"):
            qs = qs.filter(done_at__isnull=params["open"].lower() in truthy)
        return qs

    @extend_schema(summary="Pass a unit's part on to a person (unit head)", tags=[TAG],
                   parameters=[ASSIGNMENT_ID],
                   request=s.PassOnSerializer, responses={201: s.AssignmentSerializer})
    @action(detail=True, methods=["post"], url_path="pass-on")
    def pass_on(self, request: Request, pk: str | None = None) -> Response:
        assignment = self.get_object()
        data = _parse(s.PassOnSerializer, request.data)
        child = actions.do_pass_on(assignment, acting_user=_user(request),
                                   to_user=_official(data.pop("to_user"), "to_user"), **data)
        return Response(s.AssignmentSerializer(child).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Mark your part done", tags=[TAG],
                   parameters=[ASSIGNMENT_ID], request=s.CompleteSerializer,
                   responses=s.AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """The lead's part done closes the document's processing."""
        user = _user(request)
        assignment = self.get_object()
        data = _parse(s.CompleteSerializer, request.data)
        reply = None
        if data["result_document"] is not None:
            reply = _visible(user, [data["result_document"]], "result_document")[0]
        assignment = actions.do_complete(assignment, acting_user=user, result=data["result"],
                                         result_document=reply)
        return Response(s.AssignmentSerializer(assignment).data)


# --- work files ----------------------------------------------------------------------

@extend_schema_view(
    list=extend_schema(summary="List the work files you may see", tags=["work files"],
                       parameters=[
                           OpenApiParameter("status", str, enum=WorkFile.Status.values,
                                            description="open, or closed (for archiving)."),
                           OpenApiParameter("year", int, description="Year of the file."),
                           OpenApiParameter("page_size", int,
                                            description="Rows per page (at most 200)."),
                       ]),
    retrieve=extend_schema(summary="Read a work file with its items", tags=["work files"],
                           parameters=[WORK_FILE_ID],
                           responses=s.WorkFileDetailSerializer),
    create=extend_schema(summary="Open a work file", tags=["work files"],
                         request=s.WorkFileCreateSerializer,
                         responses={201: s.WorkFileDetailSerializer}),
)
class WorkFileViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      mixins.CreateModelMixin, viewsets.GenericViewSet[WorkFile]):
    """Work files (hồ sơ công việc): the documents and notes about one matter."""

    serializer_class = s.WorkFileSerializer
    permission_classes = [permissions.IsAuthenticated, IsOfficial]
    pagination_class = Pagination
    lookup_value_regex = "[0-9]+"
    queryset = WorkFile.objects.none()
    parser_classes = [JSONParser]

    def get_queryset(self) -> QuerySet[WorkFile]:
        if getattr(self, "swagger_fake_view", False):
            return WorkFile.objects.none()
        qs = queries.visible_work_files(_user(self.request)).select_related("unit", "responsible")
        if self.action != "list":
            return qs
        params = _parse(s.WorkFileFilterSerializer, self.request.query_params)
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        if params.get("year"):
            qs = qs.filter(year=params["year"])
        return qs.order_by("-year", "code", "id")

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return s.WorkFileSerializer if self.action == "list" else s.WorkFileDetailSerializer

    def _detail(self, work_file: WorkFile,
                status_code: int = status.HTTP_200_OK) -> Response:
        user = _user(self.request)
        row = (queries.visible_work_files(user).select_related("unit", "responsible")
               .prefetch_related(Prefetch("items", queryset=WorkFileItem.objects
                                          .select_related("document", "added_by")))
               .get(pk=work_file.pk))
        ids = [i.document_id for i in row.items.all() if i.document_id is not None]
        shown = set(queries.visible_documents(user).filter(pk__in=ids)
                    .values_list("pk", flat=True)) if ids else set()
        data = s.WorkFileDetailSerializer(row, context={"visible_documents": shown}).data
        return Response(data, status=status_code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _parse(s.WorkFileCreateSerializer, request.data)
        work_file = actions.do_open_work_file(acting_user=_user(request), **data)
        return self._detail(work_file, status.HTTP_201_CREATED)

    @extend_schema(summary="Add a document or a note", tags=["work files"],
                   parameters=[WORK_FILE_ID],
                   request=s.WorkFileAddSerializer,
                   responses={201: s.WorkFileDetailSerializer})
    @action(detail=True, methods=["post"])
    def items(self, request: Request, pk: str | None = None) -> Response:
        user = _user(request)
        work_file = self.get_object()
        data = _parse(s.WorkFileAddSerializer, request.data)
        document = (_visible(user, [data["document"]], "document")[0]
                    if data["document"] is not None else None)
        actions.do_add_to_work_file(work_file, acting_user=user, document=document,
                                    note=data["note"])
        return self._detail(work_file, status.HTTP_201_CREATED)

    @extend_schema(summary="Close a work file (read-only, listed for archiving)",
                   tags=["work files"], parameters=[WORK_FILE_ID], request=None,
                   responses=s.WorkFileDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        work_file = actions.do_close_work_file(self.get_object(), acting_user=_user(request))
        return self._detail(work_file)
