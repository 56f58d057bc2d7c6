"""The service navigation sections and the things needing attention that finance contributes."""

from __future__ import annotations

from typing import Any

from shared_services.core.hooks import AttentionItem, NavigationSection


def navigation_sections(*, department: Any, access: Any) -> list[NavigationSection]:
    return []


def attention_items(*, department: Any, access: Any) -> list[AttentionItem]:
    return []
