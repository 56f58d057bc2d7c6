"""HMRC's vendored schema and rules files are HMRC's, byte for byte."""

from __future__ import annotations

import hashlib
from pathlib import Path

import payroll.engine.rti.validation as validation

HMRC = Path(validation.__file__).resolve().parent / "hmrc" / "2025-26"


def test_every_vendored_hmrc_file_matches_its_published_checksum():
    # given the checksum file kept with the files
    lines = (HMRC / "SHA256SUMS").read_text().splitlines()
    listed = {name: digest for digest, name in (line.split() for line in lines)}
    # then every file named is there, unmodified, and the validator uses files from the list
    assert set(listed) == {"EmployerPaymentSummary-2026-v1-0.xsd", "FullPaymentSubmission-2026-v1-0.xsd",
                           "FullPaymentSubmission-2026-v1-0.xslt", "FullPaymentSubmission-2026-v1-0.sch"}
    for name, digest in listed.items():
        assert hashlib.sha256((HMRC / name).read_bytes()).hexdigest() == digest, f"{name} differs from HMRC's"
    for used in (validation.FPS_XSD, validation.FPS_RULES, validation.EPS_XSD):
        assert used.name in listed


def test_the_vendored_checksums_are_the_shared_copys():
    shared = Path(__file__).resolve().parents[4] / "shared" / "payroll" / "hmrc-rim-2025-26" / "SHA256SUMS"
    assert (HMRC / "SHA256SUMS").read_text() == shared.read_text()
