from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from whitenoise.middleware import WhiteNoiseMiddleware


class PlatformWhiteNoiseMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, plus GOV.UK Frontend's fonts and images at /assets/, where its compiled CSS
    looks for them."""

    def __init__(
        self, get_response: Callable[[HttpRequest], HttpResponse] | None = None, *args: Any, **kwargs: Any
    ) -> None:
        # Before collectstatic has run (development, tests) files come from the finders instead.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        super().__init__(get_response, *args, **kwargs)
        assets = settings.NODE_MODULES / "govuk-frontend" / "dist" / "govuk" / "assets"
        if assets.is_dir():
            self.add_files(str(assets), prefix="assets/")
