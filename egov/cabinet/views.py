from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")


app_name = "cabinet"
urlpatterns: list[URLPattern] = [path("", home, name="home")]
