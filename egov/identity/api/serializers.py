"""Shapes of the identity API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from egov.core.models import Post, User
from egov.core.queries import active_posts

from ..models import ApiToken


class PostOrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    short_name = serializers.CharField()


class PostSerializer(serializers.ModelSerializer):
    organisation = PostOrganisationSerializer()
    position_label = serializers.CharField(source="get_position_display")

    class Meta:
        model = Post
        fields = ["id", "organisation", "position", "position_label", "title", "is_primary"]


class MeSerializer(serializers.ModelSerializer):
    # A plain string in the schema: an enum named "kind" would clash with the
    # organisation's (settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] could name both).
    kind = serializers.CharField(read_only=True,
                                 help_text="official, citizen or business")
    kind_label = serializers.CharField(source="get_kind_display")
    full_name = serializers.CharField(source="get_full_name")
    posts = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "kind", "kind_label", "posts"]

    def get_posts(self, user: User) -> list[dict[str, Any]]:
        return PostSerializer(active_posts(user), many=True).data  # type: ignore[return-value]


class TokenSerializer(serializers.ModelSerializer):
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at",
                  "revoked_at", "is_active"]
        read_only_fields = fields

    def get_is_active(self, token: ApiToken) -> bool:
        return token.is_usable()


class TokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class TokenCreatedSerializer(TokenSerializer):
    token = serializers.CharField(
        help_text="The token itself. Shown only in this answer: keep it now.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]
        read_only_fields = fields
