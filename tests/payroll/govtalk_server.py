"""A stand-in for HMRC's GovTalk Transaction Engine, for tests only: HMRC cannot be reached from
here. A real ``http.server`` on a free local port, in a thread, answering the protocol's
documented messages (acknowledgement with a correlation ID and poll interval, response, business
error, delete) and, when told to, not answering in time.

``behaviour`` decides what a submission gets: ``"accept"`` (acknowledged, then a response on the
first poll), ``"business_error"`` (acknowledged, then an error with HMRC's ErrorResponse in the
body) or ``"timeout"`` (the submit is held past the client's timeout). Every request is kept in
``requests`` so a test can count what was sent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lxml import etree

NS = "http://www.govtalk.gov.uk/CM/envelope"
BUSINESS_ERRORS = [("7805", "The NINO is not valid",
                    "/IRenvelope/FullPaymentSubmission/Employee[1]/EmployeeDetails/NINO"),
                   ("7823", "Address must be present if the NINO is not present",
                    "/IRenvelope/FullPaymentSubmission/Employee[2]/EmployeeDetails")]


@dataclass
class Received:
    qualifier: str
    function: str
    correlation_id: str
    message_class: str
    sender_id: str
    password: str
    body: bytes


@dataclass
class Gateway:
    url: str = ""
    behaviour: str = "accept"
    hold_seconds: float = 2.0
    poll_interval: int = 5
    requests: list[Received] = field(default_factory=list)
    _counter: int = 0

    def submissions(self) -> list[Received]:
        return [seen for seen in self.requests if seen.qualifier == "request" and seen.function == "submit"]

    def next_id(self) -> str:
        self._counter += 1
        return f"{self._counter:032X}"


def _message(*, qualifier: str, function: str, correlation_id: str, message_class: str, extra_header: str = "",
             details: str = "", body: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<GovTalkMessage xmlns="{NS}">'
            "<EnvelopeVersion>2.0</EnvelopeVersion><Header><MessageDetails>"
            f"<Class>{message_class}</Class><Qualifier>{qualifier}</Qualifier><Function>{function}</Function>"
            f"<CorrelationID>{correlation_id}</CorrelationID>{extra_header}"
            "<GatewayTimestamp>2026-12-06T12:00:00.000</GatewayTimestamp></MessageDetails><SenderDetails/></Header>"
            f"<GovTalkDetails><Keys/>{details}</GovTalkDetails><Body>{body}</Body></GovTalkMessage>").encode()


def _business_error(correlation_id: str, message_class: str) -> bytes:
    errors = "".join(f"<Error><RaisedBy>ChRIS</RaisedBy><Number>{number}</Number><Type>business</Type>"
                     f"<Text>{text}</Text><Location>{location}</Location></Error>"
                     for number, text, location in BUSINESS_ERRORS)
    govtalk_error = ("<GovTalkErrors><Error><RaisedBy>Department</RaisedBy><Number>3001</Number><Type>business</Type>"
                     "<Text>Your submission failed due to business validation errors. Please see below for details."
                     "</Text></Error></GovTalkErrors>")
    body = (f'<ErrorResponse xmlns="http://www.govtalk.gov.uk/CM/errorresponse" SchemaVersion="2.0">'
            f"<Application><MessageCount>{len(BUSINESS_ERRORS)}</MessageCount></Application>{errors}</ErrorResponse>")
    return _message(qualifier="error", function="submit", correlation_id=correlation_id, message_class=message_class,
                    details=govtalk_error, body=body)


def _handler(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002  (quiet in tests)
            pass

        def do_POST(self) -> None:  # noqa: N802  (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            root = etree.fromstring(body)
            header = f"{{{NS}}}Header/{{{NS}}}MessageDetails/{{{NS}}}"
            seen = Received(qualifier=root.findtext(f"{header}Qualifier") or "",
                            function=root.findtext(f"{header}Function") or "",
                            correlation_id=root.findtext(f"{header}CorrelationID") or "",
                            message_class=root.findtext(f"{header}Class") or "",
                            sender_id=root.findtext(f".//{{{NS}}}SenderID") or "",
                            password=root.findtext(f".//{{{NS}}}Value") or "", body=body)
            gateway.requests.append(seen)
            if seen.qualifier == "request" and seen.function == "submit":
                if gateway.behaviour == "timeout":
                    time.sleep(gateway.hold_seconds)
                correlation_id = gateway.next_id()
                answer = _message(
                    qualifier="acknowledgement", function="submit", correlation_id=correlation_id,
                    message_class=seen.message_class,
                    extra_header=f'<ResponseEndPoint PollInterval="{gateway.poll_interval}">{gateway.url}/poll'
                                 "</ResponseEndPoint>")
            elif seen.qualifier == "poll":
                if gateway.behaviour == "business_error":
                    answer = _business_error(seen.correlation_id, seen.message_class)
                else:
                    answer = _message(qualifier="response", function="submit", correlation_id=seen.correlation_id,
                                      message_class=seen.message_class,
                                      body="<SuccessResponse><Message code=\"0000\">Thank you for your submission"
                                           "</Message></SuccessResponse>")
            else:  # delete
                answer = _message(qualifier="response", function="delete", correlation_id=seen.correlation_id,
                                  message_class=seen.message_class)
            try:
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout case)

    return Handler


@contextmanager
def running_gateway(behaviour: str = "accept") -> Iterator[Gateway]:
    gateway = Gateway(behaviour=behaviour)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gateway))
    server.daemon_threads = True
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
