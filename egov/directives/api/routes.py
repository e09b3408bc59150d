"""API routes of task follow-up (registered by egov/api_urls.py)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import BaseRouter

from .views import ReviewView, TaskViewSet

urlpatterns: list[URLPattern | URLResolver] = [
    path("tasks/review/", ReviewView.as_view(), name="task-review"),
]


def register(router: BaseRouter) -> None:
    """``/api/v1/tasks/``."""
    router.register("tasks", TaskViewSet, basename="task")
