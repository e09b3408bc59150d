"""The signing API: verify an uploaded file or a stored one, list certificates, rates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from egov.core.models import User
from egov.documents import queries
from egov.documents.api.views import IsOfficial
from egov.documents.models import DocumentFile

from .. import actions, stats, verification
from ..models import Certificate
from . import serializers as s

TAG = "signing"


def _user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class VerifyView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(summary="Verify the signatures of an uploaded file (nothing is kept)",
                   tags=[TAG], request={"multipart/form-data": s.VerifyRequestSerializer},
                   responses={200: s.VerificationSerializer})
    def post(self, request: Request) -> Response:
        data = s.VerifyRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        signature = data.validated_data.get("signature")
        outcome = verification.verify_content(upload.name, upload.read(),
                                              signature.read() if signature else None)
        return Response(s.VerificationSerializer(outcome).data)


class StoredFileView(APIView):
    permission_classes = [IsOfficial]

    @extend_schema(summary="Verify a stored file of a document and keep the verdict",
                   tags=[TAG], responses={200: s.VerificationSerializer,
                                          404: OpenApiResponse(description="Not found, or "
                                                               "not yours to see.")})
    def get(self, request: Request, pk: int, file_pk: int) -> Response:
        row = get_object_or_404(DocumentFile.objects.filter(
            document__in=queries.visible_documents(_user(request)).filter(pk=pk)),
            pk=file_pk)
        return Response(s.VerificationSerializer(verification.record(row)).data)


class CertificateList(generics.ListAPIView):
    """The caller's own certificates; every certificate for an administrator."""

    permission_classes = [IsOfficial]
    serializer_class = s.CertificateSerializer

    def get_queryset(self) -> QuerySet[Certificate]:
        user = _user(self.request)
        qs = Certificate.objects.select_related("user", "organisation").order_by("id")
        return qs if actions.can_manage(user) else qs.filter(user=user)

    @extend_schema(summary="List certificates", tags=[TAG])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class RatesView(APIView):
    permission_classes = [IsOfficial]

    @extend_schema(summary="Share of documents with a valid signature, per agency and month",
                   tags=[TAG], parameters=[OpenApiParameter("year", int, required=True)],
                   responses={200: s.RateSerializer(many=True)})
    def get(self, request: Request) -> Response:
        try:
            year = int(request.query_params.get("year", ""))
            if not 2000 <= year <= 2100:
                raise ValueError
        except ValueError:
            raise serializers.ValidationError(
                {"year": ["Give a year between 2000 and 2100."]}) from None
        rows = stats.signature_rates(queries.visible_documents(_user(request)),
                                     dt.date(year, 1, 1), dt.date(year, 12, 31))
        return Response(s.RateSerializer(rows, many=True).data, status=status.HTTP_200_OK)
