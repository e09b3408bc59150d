"""Authentication backend: a user's permissions follow from the positions they hold."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from . import rules


class PositionBackend(ModelBackend):
    """Django's model backend plus the permissions granted by the user's active posts."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_egov_position_perms"):
            positions = set(
                user_obj.posts.filter(is_active=True).values_list("position", flat=True)
            )
            user_obj._egov_position_perms = rules.permissions_for(positions)
        return set(super().get_all_permissions(user_obj, obj)) | set(
            user_obj._egov_position_perms
        )
