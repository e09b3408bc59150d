"""The connector's HTTP client for the hub's /hub/v1 API (hub_api.py is the other side).

Every call raises ``HubError`` on failure. ``transient`` says whether trying again later
can help: no answer, a timeout, a 5xx or a 429 are transient; any other 4xx is the hub
refusing this request (its ``code`` and ``message`` come from the hub's JSON), and sending
the same bytes again would be refused again.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

TIMEOUT_SECONDS = 30.0


class HubError(Exception):
    def __init__(self, status: int | None, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    @property
    def transient(self) -> bool:
        return self.status is None or self.status >= 500 or self.status == 429


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


class HubClient:
    def __init__(self, base_url: str, token: str, timeout: float = TIMEOUT_SECONDS) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise HubError(None, "bad_url", f"not an http(s) URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _call(self, method: str, path: str, body: bytes | None = None,
              content_type: str = "application/xml") -> Response:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json",
                   "User-Agent": "egov-connector/1"}
        if body is not None:
            headers["Content-Type"] = content_type
        answer = self._transport(method, self.base_url + path, body, headers)
        if answer.status >= 400:
            try:
                data = json.loads(answer.body)
                code, message = str(data["code"]), str(data["message"])
            except (ValueError, KeyError, TypeError):
                code = f"http_{answer.status}"
                message = answer.body[:300].decode("utf-8", "replace")
            raise HubError(answer.status, code, message)
        return answer

    def _transport(self, method: str, url: str, body: bytes | None,
                   headers: dict[str, str]) -> Response:
        """One HTTP exchange; an answer with any status, or HubError when none came."""
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                return Response(answer.status, answer.read(), dict(answer.headers.items()))
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.read(), dict(exc.headers.items()))
        except (OSError, http.client.HTTPException) as exc:
            raise HubError(None, "unreachable", str(exc) or type(exc).__name__) from None

    def send_package(self, body: bytes) -> dict[str, Any]:
        """201 (or 200 for a duplicate): ``{id, sha256, accepted_at, receipt, duplicate}``."""
        return dict(self._call("POST", "/packages", body).json())

    def send_status(self, body: bytes) -> dict[str, Any]:
        return dict(self._call("POST", "/status", body).json())

    def inbox(self, after: int | None = None, limit: int = 100) -> dict[str, Any]:
        query = f"?limit={limit}" + (f"&after={after}" if after is not None else "")
        return dict(self._call("GET", "/inbox" + query).json())

    def package(self, package_id: int) -> bytes:
        """The package's bytes, checked against the hash the hub announces."""
        answer = self._call("GET", f"/packages/{package_id}")
        expected = answer.headers.get("X-Hub-SHA256", "")
        if expected and hashlib.sha256(answer.body).hexdigest() != expected:
            raise HubError(None, "corrupted", f"package {package_id} arrived damaged "
                                              "(its SHA-256 differs from the hub's)")
        return answer.body

    def ack(self, package_id: int) -> dict[str, Any]:
        return dict(self._call("POST", f"/packages/{package_id}/ack", b"",
                               content_type="application/json").json())

    def trace(self, package_id: int) -> dict[str, Any]:
        return dict(self._call("GET", f"/packages/{package_id}/trace").json())
