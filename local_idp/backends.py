from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """People sign in with their sign-in name (an e-mail address), matched without regard to case."""

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:
        return super().authenticate(request, username=(username or "").strip().lower(), password=password, **kwargs)
