import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from payroll.engine import calculate_batch


class Command(BaseCommand):
    help = (
        "Calculate deductions and net pay for a JSON list of inputs (shared/payroll/CONTRACT.md) and print "
        "the list of results. A bad input gives an 'error' result; a file that is not a JSON list fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a JSON file, or - for standard input")
        parser.add_argument("--working", action="store_true", help="include how each figure was reached")
        parser.add_argument("--indent", type=int, default=None, help="pretty-print with this indent")

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["file"]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{source}: cannot read the file ({error.strerror})") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{source}: not UTF-8 text (byte {error.start})") from error
        try:
            inputs = json.loads(text)
        except RecursionError as error:
            raise CommandError(f"{source}: JSON nested too deeply to read") from error
        except json.JSONDecodeError as error:
            where = f"line {error.lineno}, column {error.colno}"
            raise CommandError(f"{source}: not valid JSON ({where}: {error.msg})") from error
        if not isinstance(inputs, list):
            raise CommandError(f"{source}: must be a JSON list of calculation inputs, not a {type(inputs).__name__}")
        results = calculate_batch(inputs, with_working=options["working"])
        self.stdout.write(json.dumps(results, indent=options["indent"], ensure_ascii=False))
