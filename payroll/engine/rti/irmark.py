"""The IRmark of a GovTalk message, recomputed from the document with a real C14N (RTI.md §3.3).

``build_fps``/``build_eps`` compute the mark while they write; this is the independent check (and
what a received or hand-edited file is checked with): take ``<Body>`` with the envelope namespace
declared on it, remove ``<IRmark>`` but keep the whitespace around it, canonicalise with inclusive
C14N 1.0, SHA-1, Base64. Reproduces HMRC's own sample marks (RTI.md §3.3).
"""

from __future__ import annotations

import base64
import hashlib

from lxml import etree

from payroll.engine.rti.model import ENVELOPE_NS


def irmark(document: bytes) -> str:
    """The IRmark (Base64, 28 characters) that ``document``, a whole GovTalk message, should carry."""
    root = etree.fromstring(document, parser=etree.XMLParser(remove_blank_text=False, resolve_entities=False))
    body = root.find(f"{{{ENVELOPE_NS}}}Body")
    if body is None:
        raise ValueError("not a GovTalk message: no <Body>")
    for mark in body.iter("{*}IRmark"):
        parent = mark.getparent()
        assert parent is not None  # IRmark sits inside IRheader
        # Removing an lxml element drops its tail text with it; hand the tail to what came before.
        previous = mark.getprevious()
        if mark.tail:
            if previous is not None:
                previous.tail = (previous.tail or "") + mark.tail
            else:
                parent.text = (parent.text or "") + mark.tail
        parent.remove(mark)
        break
    # Inclusive C14N of the Body as a document of its own: the namespace in scope (the envelope's)
    # is then declared on <Body>, as the algorithm requires.
    canonical = etree.tostring(body, method="c14n", exclusive=False, with_comments=False)
    return base64.b64encode(hashlib.sha1(canonical, usedforsecurity=False).digest()).decode()


def stated_irmark(document: bytes) -> str | None:
    """The IRmark written in ``document``, if any."""
    root = etree.fromstring(document)
    mark = root.find(".//{*}IRheader/{*}IRmark")
    return None if mark is None else (mark.text or "").strip()
