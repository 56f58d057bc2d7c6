"""Run axe-core (installed by npm) in a Playwright page and report its violations readably: the WCAG 2.2
AA rules, or every rule axe has (best practices such as ``region`` and ``heading-order`` included)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from playwright.sync_api import Page

AXE_SCRIPT = settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RUN_AXE = """async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})"""
# Every rule axe ships, experimental ones aside, whatever its tags; only violations are detailed,
# which keeps a walk over hundreds of pages quick.
RUN_AXE_ALL_RULES = """async () => await axe.run(document, {resultTypes: ['violations']})"""


def _load_axe(page: Page) -> None:
    assert AXE_SCRIPT.is_file(), f"axe-core is missing at {AXE_SCRIPT}; run `npm ci` in {settings.BASE_DIR}"
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_SCRIPT))


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The WCAG 2.2 AA violations axe-core finds in the page as it is now."""
    _load_axe(page)
    results: dict[str, Any] = page.evaluate(RUN_AXE, WCAG_TAGS)
    return list(results["violations"])


def axe_violations_all_rules(page: Page) -> list[dict[str, Any]]:
    """The violations of any impact axe-core finds in the page as it is now, best practices included."""
    _load_axe(page)
    results: dict[str, Any] = page.evaluate(RUN_AXE_ALL_RULES)
    return list(results["violations"])


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            target = " ".join(str(selector) for selector in node["target"])
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


def assert_no_axe_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, (
        f"axe-core found {len(violations)} accessibility violation(s) on {page.url}:\n{format_violations(violations)}"
    )


def assert_no_axe_violations_all_rules(page: Page) -> None:
    violations = axe_violations_all_rules(page)
    assert not violations, (
        f"axe-core found {len(violations)} violation(s) of its rules on {page.url}:\n{format_violations(violations)}"
    )
