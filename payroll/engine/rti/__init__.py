"""HMRC Real Time Information: the FPS and EPS as XML, their IRmark, and checks before sending.

Plain Python beside the engine (no Django); facts and sources in ``../shared/payroll/RTI.md``.

Entry points:

- ``build_fps(header, employees, out)``: stream a GovTalk FPS to a binary file; returns the IRmark.
  ``employees`` is any iterable of ``FpsEmployee`` (see ``model.py`` for what each field means).
- ``build_eps(eps, out)``: the same for an EPS.
- ``irmark(document)``: recompute a message's IRmark from its bytes (RTI.md §3.3);
  ``base32_mark(mark)`` is the form shown to people.
- ``validate_fps(document)`` / ``validate_eps(document)``: HMRC's schema and business rules
  (the vendored 2025-26 files; see ``hmrc/2025-26/README.md``); a list of ``RtiError``.
- ``exceptions_for(employees)``: per-employee reasons an FPS cannot describe them, before approval.
"""

from payroll.engine.rti.envelope import base32_mark
from payroll.engine.rti.eps import build_eps, eps_bytes
from payroll.engine.rti.exceptions import EmployeeException, Reason, exceptions_for
from payroll.engine.rti.fps import build_fps, fps_bytes
from payroll.engine.rti.irmark import irmark
from payroll.engine.rti.validation import RtiError, validate_eps, validate_fps
from payroll.engine.rti.xmltext import RtiValueError

__all__ = [
    "EmployeeException",
    "Reason",
    "RtiError",
    "RtiValueError",
    "base32_mark",
    "build_eps",
    "build_fps",
    "eps_bytes",
    "exceptions_for",
    "fps_bytes",
    "irmark",
    "validate_eps",
    "validate_fps",
]
