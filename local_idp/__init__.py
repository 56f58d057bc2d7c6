"""A stand-in for a department's identity provider: a small OpenID Provider for tests and the demo.

It is a second Django site (its own settings, its own SQLite file in the data folder it is given,
never the platform's database) built on django-oauth-toolkit's OpenID Connect provider: RS256 ID
tokens signed with a key made at first start, PKCE required, a discovery document and JWKS, a plain
sign-in page, and people who carry an e-mail address, a staff number (``employee_number``) and the
authentication methods they used (``amr``). It is not part of the platform and is never deployed
with it; a real department runs its own provider (Entra ID, Okta, Keycloak, …).

    python -m local_idp serve --port 8100 --data var/local-idp
    python -m local_idp add-user --data var/local-idp --email a@b.example --password … --employee-number MO000001
    python -m local_idp register-client --data var/local-idp --client-id … --client-secret … --redirect-uri …
"""
