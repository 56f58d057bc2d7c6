"""The local OpenID Provider (``local_idp``) as a real process for a test session, spoken to over HTTP.

Use it as a pytest plugin (``pytest_plugins = ["tests.local_idp"]``): the ``local_idp`` fixture starts
the provider on a free port with a temporary data folder, waits until its discovery document
answers, and stops it after the session. Its ``sign_in`` fills the provider's sign-in form the way a
browser would and returns the address it sends the person back to.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
CLIENT_ID, CLIENT_SECRET = "shared-services-tests", "a-test-client-secret-of-some-length"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LocalProvider:
    port: int
    data: Path
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/o"

    def command(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "local_idp", args[0], "--data", str(self.data),
                               "--port", str(self.port), *args[1:]],
                              cwd=ROOT, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def add_user(self, *, email: str, password: str, employee_number: str = "", amr: str = "pwd",
                 username: str = "") -> None:
        self.command("add-user", "--email", email, "--password", password, "--employee-number", employee_number,
                     "--amr", amr, *(["--username", username] if username else []))

    def register_client(self, *redirect_uris: str) -> None:
        uris = [part for uri in redirect_uris for part in ("--redirect-uri", uri)]
        self.command("register-client", "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET, *uris)

    @staticmethod
    def closed_port_issuer() -> str:
        """An issuer where nothing listens: a provider that is down."""
        return f"http://127.0.0.1:{free_port()}/o"

    @staticmethod
    def sign_in(authorize_url: str, *, username: str, password: str, back_to: str) -> str:
        return sign_in_at_provider(authorize_url, username=username, password=password, back_to=back_to)


def sign_in_at_provider(authorize_url: str, *, username: str, password: str, back_to: str) -> str:
    """Follow the provider's pages from ``authorize_url`` until it redirects to ``back_to``."""
    browser = requests.Session()
    response = browser.get(authorize_url, allow_redirects=True, timeout=10)
    assert "/sign-in/" in response.url, response.text[:500]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
    assert token is not None
    next_field = re.search(r'name="next" value="([^"]*)"', response.text)
    response = browser.post(response.url, data={
        "csrfmiddlewaretoken": token.group(1), "username": username, "password": password,
        "next": next_field.group(1).replace("&amp;", "&") if next_field else "",
    }, allow_redirects=False, timeout=10)
    for _ in range(5):
        location = response.headers.get("Location", "")
        assert response.status_code == 302, f"the provider answered {response.status_code}: {response.text[:300]}"
        location = urljoin(response.url, location)
        if location.startswith(back_to):
            return location
        response = browser.get(location, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the person back")


@pytest.fixture(scope="session")
def local_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalProvider]:
    provider = LocalProvider(port=free_port(), data=tmp_path_factory.mktemp("local-idp"))
    log = (provider.data / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "local_idp", "serve", "--port", str(provider.port),
                                "--data", str(provider.data)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the local provider did not start: {(provider.data / 'serve.log').read_text()}")
            time.sleep(0.2)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
