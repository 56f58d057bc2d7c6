"""The GovTalk envelope around an RTI body, written in one pass with its IRmark.

The IRmark (RTI.md §3.3) is SHA-1 over the inclusive C14N of the GovTalk ``<Body>`` without the
``<IRmark>`` element (its surrounding whitespace kept), Base64-encoded and placed inside that very
body, ahead of the employees. The body is written here already in canonical form (no empty-element
tags, C14N escaping, attributes in canonical order, the IRenvelope's namespace written where C14N
puts it), so the canonical bytes are exactly the bytes written after ``<Body>`` and the hash can be
taken as they stream out. ``irmark.irmark`` recomputes it independently with a real C14N; the tests
hold the two to the same value.

The mark is known only once the last employee is written: a seekable output gets a placeholder
that is overwritten at the end; any other output is spooled through a temporary file first.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import shutil
import tempfile
from collections.abc import Iterable
from typing import IO

from payroll.engine.rti.model import ENVELOPE_NS, Employer, Gateway
from payroll.engine.rti.xmltext import element, text

_PLACEHOLDER = b"=" * 28  # a Base64 SHA-1 is always 28 characters
_BATCH = 256 * 1024  # bytes gathered before each write: fewer, larger writes


def _keys(indent: str, employer: Employer) -> str:
    inner = indent + "  "
    return (
        f"{indent}<Keys>\n"
        f'{inner}<Key Type="TaxOfficeNumber">{text(employer.tax_office_number)}</Key>\n'
        f'{inner}<Key Type="TaxOfficeReference">{text(employer.tax_office_reference)}</Key>\n'
        f"{indent}</Keys>\n"
    )


def _timestamp(moment: datetime.datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def govtalk_head(*, message_class: str, gateway: Gateway, employer: Employer) -> str:
    """Everything up to and including ``<Body>``, laid out as RTI.md §10's example."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<GovTalkMessage xmlns="{ENVELOPE_NS}">\n'
        "  <EnvelopeVersion>2.0</EnvelopeVersion>\n"
        "  <Header>\n"
        "    <MessageDetails>\n"
        + element("      ", "Class", text(message_class))
        + "      <Qualifier>request</Qualifier>\n"
        "      <Function>submit</Function>\n"
        "      <CorrelationID/>\n"
        "      <Transformation>XML</Transformation>\n"
        + element("      ", "GatewayTest", "1" if gateway.test else "0")
        + "    </MessageDetails>\n"
        "    <SenderDetails>\n"
        "      <IDAuthentication>\n"
        + element("        ", "SenderID", text(gateway.sender_id))
        + "        <Authentication>\n"
        "          <Method>clear</Method>\n"
        "          <Role>principal</Role>\n"
        + element("          ", "Value", text(gateway.password))
        + "        </Authentication>\n"
        "      </IDAuthentication>\n"
        "    </SenderDetails>\n"
        "  </Header>\n"
        "  <GovTalkDetails>\n"
        + _keys("    ", employer)
        + "    <TargetDetails>\n"
        "      <Organisation>IR</Organisation>\n"
        "    </TargetDetails>\n"
        "    <ChannelRouting>\n"
        "      <Channel>\n"
        + element("        ", "URI", text(gateway.vendor_id))
        + element("        ", "Product", text(gateway.product))
        + element("        ", "Version", text(gateway.product_version))
        + "      </Channel>\n"
        + element("      ", "Timestamp", _timestamp(gateway.timestamp))
        + "    </ChannelRouting>\n"
        "  </GovTalkDetails>\n"
        "  <Body>"
    )


_TAIL = "</IRenvelope>\n  </Body>\n</GovTalkMessage>\n"


def write_submission(
    out: IO[bytes],
    *,
    message_class: str,
    gateway: Gateway,
    employer: Employer,
    namespace: str,
    period_end: datetime.date,
    content: Iterable[str],
) -> str:
    """Write a whole GovTalk message whose IRenvelope holds ``content`` (the FPS or EPS element,
    as pieces of text) to ``out``; return the IRmark (Base64)."""
    header_before_mark = (
        f'\n<IRenvelope xmlns="{namespace}">\n'
        "  <IRheader>\n"
        + _keys("    ", employer)
        + element("    ", "PeriodEnd", period_end.isoformat())
        + "    <DefaultCurrency>GBP</DefaultCurrency>\n    "
    ).encode()
    header_after_mark = ("\n" + element("    ", "Sender", text(employer.sender)) + "  </IRheader>\n").encode()
    hasher = hashlib.sha1(usedforsecurity=False)
    hasher.update(f'<Body xmlns="{ENVELOPE_NS}">'.encode())
    hasher.update(header_before_mark)
    hasher.update(header_after_mark)
    head = govtalk_head(message_class=message_class, gateway=gateway, employer=employer).encode() + header_before_mark

    def stream(target: IO[bytes]) -> None:
        pending: list[bytes] = []
        size = 0
        for piece in content:
            data = piece.encode()
            pending.append(data)
            size += len(data)
            if size >= _BATCH:
                chunk = b"".join(pending)
                hasher.update(chunk)
                target.write(chunk)
                pending, size = [], 0
        chunk = b"".join(pending) + _TAIL.encode()
        # The canonical Body ends at </Body>: the newline before </GovTalkMessage> is outside it.
        hasher.update(chunk[: -len("\n</GovTalkMessage>\n")])
        target.write(chunk)

    if out.seekable():
        out.write(head + b'<IRmark Type="generic">')
        mark_at = out.tell()
        out.write(_PLACEHOLDER + b"</IRmark>" + header_after_mark)
        stream(out)
        mark = base64.b64encode(hasher.digest())
        end = out.tell()
        out.seek(mark_at)
        out.write(mark)
        out.seek(end)
        return mark.decode()
    with tempfile.TemporaryFile() as spool:
        stream(spool)
        mark = base64.b64encode(hasher.digest())
        out.write(head + b'<IRmark Type="generic">' + mark + b"</IRmark>" + header_after_mark)
        spool.seek(0)
        shutil.copyfileobj(spool, out)
    return mark.decode()


def base32_mark(mark: str) -> str:
    """The IRmark as shown to people: the same 20 bytes in Base32 (32 upper-case characters)."""
    return base64.b32encode(base64.b64decode(mark)).decode()
