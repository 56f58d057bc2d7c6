"""The demo's people at the local provider: Ministry of Justice staff who sign in through it."""

from __future__ import annotations

DEMO_CLIENT_ID = "shared-services-demo"
DEMO_DOMAIN = "justice.example"
# (sign-in name at the provider, e-mail claim = their platform account, staff number, amr)
DEMO_PEOPLE = [
    ("amara.okafor@justice.example", "amara.okafor@moj.example", "MO000001", ["pwd", "otp"]),
    ("ben.hughes@justice.example", "ben.hughes@moj.example", "MO000002", ["pwd"]),
    ("david.evans@justice.example", "david.evans@moj.example", "MO000004", ["pwd", "otp"]),
    ("grace.lee@justice.example", "grace.lee@moj.example", "MO000007", ["pwd"]),
]
