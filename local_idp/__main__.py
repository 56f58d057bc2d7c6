"""``python -m local_idp serve|add-user|register-client|demo --data DIR …`` (see ``local_idp``)."""

from __future__ import annotations

import argparse
import os
import sys

COMMANDS = {"add-user": "idp_add_user", "register-client": "idp_register_client", "demo": "idp_demo"}


def _configure(data: str, issuer: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "local_idp.settings"
    os.environ["LOCAL_IDP_DATA"] = data
    os.environ["LOCAL_IDP_ISSUER"] = issuer
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "--run-syncdb", verbosity=0, interactive=False)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_idp", description=__doc__)
    parser.add_argument("command", choices=["serve", *COMMANDS])
    parser.add_argument("--data", required=True, help="Folder for its SQLite database and signing key")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--issuer", default="", help="Default: http://127.0.0.1:PORT/o")
    options, rest = parser.parse_known_args(argv)
    _configure(options.data, options.issuer or f"http://127.0.0.1:{options.port}/o")
    from django.core.management import call_command

    if options.command == "serve":
        call_command("runserver", f"127.0.0.1:{options.port}", use_reloader=False, use_threading=True,
                     skip_checks=True)
        return 0
    from django.core.management.base import CommandError

    try:
        call_command(COMMANDS[options.command], *rest)
    except CommandError as error:
        sys.stderr.write(f"python -m local_idp {options.command}: {error}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
