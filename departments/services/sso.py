"""A department's single sign-on provider: configured, enabled and disabled by its HR admins."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from departments.models import Department, IdentityProvider, IdentityProviderDomain
from departments.services.audit import audit_changes, audit_record
from shared_services.accounts.models import User
from shared_services.accounts.oidc import issuer_problem

__all__ = ["identity_provider_configure", "identity_provider_set_enabled"]

DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _domains_cleaned(domains: Iterable[str]) -> list[str]:
    return sorted({domain.strip().lower().lstrip("@") for domain in domains if domain.strip()})


def _validate(*, department: Department, issuer: str, client_id: str, client_secret: str, domains: list[str],
              staff_number_claim: str, existing: IdentityProvider | None) -> None:
    errors: dict[str, str] = {}
    problem = issuer_problem(issuer) if issuer else "Enter the issuer address"
    if problem:
        errors["issuer"] = problem
    if not client_id:
        errors["client_id"] = "Enter the client ID"
    elif len(client_id) > 200:
        errors["client_id"] = "The client ID must be 200 characters or fewer"
    if not client_secret and existing is None:
        errors["client_secret"] = "Enter the client secret"
    elif len(client_secret) > 500:
        errors["client_secret"] = "The client secret must be 500 characters or fewer"
    if not staff_number_claim or not re.fullmatch(r"[A-Za-z0-9_.:-]{1,100}", staff_number_claim):
        errors["staff_number_claim"] = "Enter the claim's name, like employee_number"
    malformed = [domain for domain in domains if not DOMAIN_PATTERN.match(domain)]
    if not domains:
        errors["domains"] = "Enter at least one e-mail domain, like justice.gov.uk"
    elif malformed:
        errors["domains"] = f"{malformed[0]} is not an e-mail domain; enter domains like justice.gov.uk"
    else:
        claimed = (IdentityProviderDomain.objects.select_related("provider__department")
                   .filter(domain__in=domains).exclude(provider__department=department).first())
        if claimed is not None:
            errors["domains"] = (f"{claimed.domain} already signs in through {claimed.provider.department.name}'s "
                                 "provider")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def identity_provider_configure(
    *,
    department: Department,
    issuer: str,
    client_id: str,
    client_secret: str,
    domains: Iterable[str],
    staff_number_claim: str = "employee_number",
    is_enabled: bool = True,
    acting_user: User | None,
) -> IdentityProvider:
    """Create or update ``department``'s provider and the e-mail domains it signs in.

    An empty ``client_secret`` keeps the stored one (the secret is write-only). A domain belongs to
    one department's provider at most, so an address never has two places to sign in.
    """
    issuer, client_id = issuer.strip().rstrip("/"), client_id.strip()
    client_secret, staff_number_claim = client_secret.strip(), staff_number_claim.strip()
    wanted = _domains_cleaned(domains)
    provider = IdentityProvider.objects.select_for_update().filter(department=department).first()
    _validate(department=department, issuer=issuer, client_id=client_id, client_secret=client_secret,
              domains=wanted, staff_number_claim=staff_number_claim, existing=provider)
    before = {} if provider is None else {
        "issuer": provider.issuer, "client_id": provider.client_id, "client_secret": provider.client_secret,
        "staff_number_claim": provider.staff_number_claim, "is_enabled": provider.is_enabled,
        "domains": sorted(provider.domains.values_list("domain", flat=True)),
    }
    if provider is None:
        provider = IdentityProvider(department=department)
    provider.issuer, provider.client_id = issuer, client_id
    provider.client_secret = client_secret or provider.client_secret
    provider.staff_number_claim, provider.is_enabled = staff_number_claim, is_enabled
    provider.updated_by = acting_user if acting_user is not None and acting_user.pk else None
    provider.save()
    provider.domains.exclude(domain__in=wanted).delete()
    for domain in wanted:
        IdentityProviderDomain.objects.get_or_create(provider=provider, domain=domain)
    after = {
        "issuer": provider.issuer, "client_id": provider.client_id, "client_secret": provider.client_secret,
        "staff_number_claim": provider.staff_number_claim, "is_enabled": provider.is_enabled, "domains": wanted,
    }
    changes = audit_changes(before, after)
    if changes:
        audit_record(department=department, action="sso.provider_configured" if before else "sso.provider_created",
                     acting_user=acting_user, target=provider, changes=changes)
    return provider


@transaction.atomic
def identity_provider_set_enabled(*, department: Department, is_enabled: bool,
                                  acting_user: User | None) -> IdentityProvider:
    """Switch single sign-on on or off; while off, the department's people use their passwords."""
    provider = IdentityProvider.objects.select_for_update().filter(department=department).first()
    if provider is None:
        raise ValidationError({"is_enabled": f"{department.name} has no single sign-on provider to switch"})
    if provider.is_enabled != is_enabled:
        before = provider.is_enabled
        provider.is_enabled = is_enabled
        provider.updated_by = acting_user if acting_user is not None and acting_user.pk else None
        provider.save(update_fields=["is_enabled", "updated_by", "updated_at"])
        audit_record(department=department, action="sso.provider_enabled" if is_enabled else "sso.provider_disabled",
                     acting_user=acting_user, target=provider,
                     changes=audit_changes({"is_enabled": before}, {"is_enabled": is_enabled}))
    return provider
