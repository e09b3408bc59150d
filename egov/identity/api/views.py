"""The identity API: who am I, and my personal tokens. Thin: the actions decide."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from egov.core.models import User

from .. import tokens
from ..models import ApiToken
from .serializers import (
    MeSerializer,
    TokenCreatedSerializer,
    TokenCreateSerializer,
    TokenSerializer,
)


class MeView(APIView):
    """The account making the call, with its active posts."""

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


@extend_schema(tags=["tokens"])
class TokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                   viewsets.GenericViewSet):
    """My personal API tokens. Another person's token is not found (404)."""

    serializer_class = TokenSerializer

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        user = self.request.user
        assert isinstance(user, User)
        return tokens.own_tokens(user)

    @extend_schema(request=TokenCreateSerializer, responses={201: TokenCreatedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Make a token; the answer carries it once, in ``token``. When the call itself
        is made with a token that expires, the new token must expire no later."""
        payload = TokenCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        caller = request.auth if isinstance(request.auth, ApiToken) else None
        user = request.user
        assert isinstance(user, User)
        token, key = tokens.do_create_token(
            acting_user=user, name=payload.validated_data["name"],
            expires_at=payload.validated_data.get("expires_at"),
            not_after=caller.expires_at if caller else None,
        )
        return Response({**TokenSerializer(token).data, "token": key},
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=TokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        """Revoke a token: it stops working at once (the row stays, for the record)."""
        user = request.user
        assert isinstance(user, User)
        token = tokens.do_revoke_token(self.get_object(), acting_user=user)
        return Response(TokenSerializer(token).data)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The same as ``revoke``, for clients that expect DELETE."""
        user = request.user
        assert isinstance(user, User)
        tokens.do_revoke_token(self.get_object(), acting_user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)
