"""The GovTalk Transaction Engine protocol, as HMRC's gateway speaks it for RTI (RTI.md §2.3, [R5][R6]).

A submission is a conversation, never a single request:

1. ``submit``: POST the whole GovTalk message (Qualifier ``request``, Function ``submit``). The
   gateway answers with an ``acknowledgement`` carrying a ``CorrelationID`` and a
   ``ResponseEndPoint`` with its ``PollInterval`` in seconds, or at once with an ``error``.
2. ``poll``: POST a header-only message (Qualifier ``poll``) with the correlation ID to the
   response end point, no sooner than the poll interval. Another ``acknowledgement`` means "not
   yet"; a ``response`` means HMRC accepted the submission; an ``error`` carries ``GovTalkErrors``
   (and, for business-rule failures, HMRC's ``ErrorResponse`` in the body) with each error's
   number, type and text.
3. ``delete``: once answered, POST Function ``delete`` with the correlation ID so the gateway
   drops its copy.

Plain ``requests`` with timeouts; everything the gateway says back is parsed here into
``Acknowledgement`` or ``Answer``. A timeout, a refused connection, an HTTP error status or an answer
that is not GovTalk raises ``GatewayUnavailable``: the caller retries later.

Credentials never sit in a stored file: the document is built with placeholders, and ``submit``
puts the real sender ID and password into the GovTalk header while streaming the file out (the
header is outside the IRmark, which covers the body only).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import requests
from lxml import etree

ENVELOPE_NS = "http://www.govtalk.gov.uk/CM/envelope"
ERROR_RESPONSE_NS = "http://www.govtalk.gov.uk/CM/errorresponse"
_E = f"{{{ENVELOPE_NS}}}"
PLACEHOLDER_SENDER = b"<SenderID>SENDER</SenderID>"
PLACEHOLDER_PASSWORD = b"<Value>PASSWORD</Value>"
DEFAULT_TIMEOUT = 30.0
_HEAD_BYTES = 8192  # the GovTalk header always ends well within this
_CHUNK = 256 * 1024


class GatewayUnavailable(Exception):
    """The gateway could not be reached or gave no usable answer; try again later."""


@dataclass(frozen=True)
class Acknowledgement:
    """The gateway has the submission and is working on it: poll ``poll_url`` after ``poll_interval``."""

    correlation_id: str
    poll_url: str
    poll_interval: int


@dataclass(frozen=True)
class Answer:
    """HMRC's verdict: ``accepted``, or ``rejected`` with ``errors`` (each a dict with ``number``,
    ``type``, ``text``, ``location`` and ``raised_by``, as the gateway sent them)."""

    accepted: bool
    correlation_id: str = ""
    errors: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Credentials:
    sender_id: str
    password: str


class _Body:
    """The stored document with the real credentials in its header, streamed out with a known
    length (so the request carries Content-Length, not chunked encoding)."""

    def __init__(self, path: str, credentials: Credentials) -> None:
        self.path = path
        with open(path, "rb") as handle:
            head = handle.read(_HEAD_BYTES)
        self.head_length = len(head)
        sender = f"<SenderID>{escape(credentials.sender_id)}</SenderID>".encode()
        password = f"<Value>{escape(credentials.password)}</Value>".encode()
        self.head = head.replace(PLACEHOLDER_SENDER, sender, 1).replace(PLACEHOLDER_PASSWORD, password, 1)
        self.length = os.path.getsize(path) - self.head_length + len(self.head)

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        with open(self.path, "rb") as handle:
            handle.seek(self.head_length)
            while chunk := handle.read(_CHUNK):
                yield chunk


def _post(url: str, body: _Body | bytes, timeout: float) -> etree._Element:
    try:
        response = requests.post(url, data=body, timeout=timeout,
                                 headers={"Content-Type": "text/xml; charset=utf-8"})
    except requests.Timeout as error:
        raise GatewayUnavailable(f"The gateway did not answer within {timeout:g} seconds.") from error
    except requests.RequestException as error:
        raise GatewayUnavailable(f"The gateway could not be reached: {error}") from error
    if response.status_code >= 400:
        raise GatewayUnavailable(f"The gateway answered HTTP {response.status_code}.")
    try:
        root = etree.fromstring(response.content, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        raise GatewayUnavailable(f"The gateway's answer is not XML: {error}") from error
    if root.tag != f"{_E}GovTalkMessage":
        raise GatewayUnavailable("The gateway's answer is not a GovTalk message.")
    return root


def _text(root: etree._Element, path: str) -> str:
    found = root.find(path)
    return (found.text or "").strip() if found is not None and found.text else ""


def _errors(root: etree._Element) -> list[dict[str, str]]:
    """Every error the answer carries: HMRC's business errors in the body, else the GovTalk ones."""
    found = root.findall(f".//{{{ERROR_RESPONSE_NS}}}Error") or root.findall(f"{_E}GovTalkDetails/{_E}GovTalkErrors/"
                                                                            f"{_E}Error")
    errors = []
    for error in found:
        namespace = etree.QName(error).namespace

        def part(name: str, error: etree._Element = error, namespace: str | None = namespace) -> str:
            child = error.find(f"{{{namespace}}}{name}")
            return (child.text or "").strip() if child is not None else ""

        errors.append({"number": part("Number"), "type": part("Type"), "text": part("Text"),
                       "location": part("Location"), "raised_by": part("RaisedBy")})
    return errors


def _interpret(root: etree._Element) -> Acknowledgement | Answer:
    details = f"{_E}Header/{_E}MessageDetails/"
    qualifier = _text(root, f"{details}{_E}Qualifier")
    correlation_id = _text(root, f"{details}{_E}CorrelationID")
    if qualifier == "acknowledgement":
        end_point = root.find(f"{details}{_E}ResponseEndPoint")
        if end_point is None or not correlation_id:
            raise GatewayUnavailable("The gateway's acknowledgement has no correlation ID or response end point.")
        try:
            interval = int(end_point.get("PollInterval", "10"))
        except ValueError:
            interval = 10
        return Acknowledgement(correlation_id=correlation_id, poll_url=(end_point.text or "").strip(),
                               poll_interval=max(interval, 1))
    if qualifier == "response":
        return Answer(accepted=True, correlation_id=correlation_id)
    if qualifier == "error":
        errors = _errors(root)
        if errors and all(error["type"] == "fatal" and error["raised_by"] == "Gateway"
                          and error["number"] in _TRANSIENT for error in errors):
            # The gateway's own "busy, try again" errors are not HMRC's verdict on the submission.
            raise GatewayUnavailable(errors[0]["text"] or "The gateway is busy.")
        return Answer(accepted=False, correlation_id=correlation_id, errors=errors)
    raise GatewayUnavailable(f"The gateway answered with an unexpected qualifier {qualifier!r}.")


# Transaction Engine errors that mean "not now" (system unavailable, or a poll made too soon).
_TRANSIENT = {"1000", "3001"}


def submit(*, url: str, document_path: str, credentials: Credentials,
           timeout: float = DEFAULT_TIMEOUT) -> Acknowledgement | Answer:
    """Send a stored GovTalk message. Usually an ``Acknowledgement``; an ``Answer`` when the
    gateway refuses it straight away (an authentication or schema error)."""
    return _interpret(_post(url, _Body(document_path, credentials), timeout))


def _header_only(*, message_class: str, qualifier: str, function: str, correlation_id: str) -> bytes:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<GovTalkMessage xmlns="{ENVELOPE_NS}">\n'
        "  <EnvelopeVersion>2.0</EnvelopeVersion>\n"
        "  <Header>\n    <MessageDetails>\n"
        f"      <Class>{escape(message_class)}</Class>\n"
        f"      <Qualifier>{qualifier}</Qualifier>\n"
        f"      <Function>{function}</Function>\n"
        f"      <CorrelationID>{escape(correlation_id)}</CorrelationID>\n"
        "      <Transformation>XML</Transformation>\n"
        "    </MessageDetails>\n    <SenderDetails/>\n  </Header>\n"
        f"  <GovTalkDetails>\n    <Keys/>\n    <ChannelRouting><Timestamp>{stamp}</Timestamp></ChannelRouting>\n"
        "  </GovTalkDetails>\n  <Body/>\n</GovTalkMessage>\n"
    ).encode()


def poll(*, poll_url: str, correlation_id: str, message_class: str,
         timeout: float = DEFAULT_TIMEOUT) -> Acknowledgement | Answer:
    """Ask for the verdict: an ``Acknowledgement`` again while HMRC is still working on it."""
    return _interpret(_post(poll_url, _header_only(message_class=message_class, qualifier="poll",
                                                   function="submit", correlation_id=correlation_id), timeout))


def delete(*, url: str, correlation_id: str, message_class: str, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Tell the gateway the answer has been read, so it drops its copy of the submission."""
    _post(url, _header_only(message_class=message_class, qualifier="request", function="delete",
                            correlation_id=correlation_id), timeout)
