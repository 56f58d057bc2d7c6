"""Reads of departments' single sign-on settings. Global tables: read before any department context."""

from __future__ import annotations

from departments.models import Department, DepartmentMembership, IdentityProvider, IdentityProviderDomain
from shared_services.accounts.models import User
from shared_services.accounts.oidc import SsoProvider

__all__ = ["email_domain", "identity_provider_for_email", "identity_provider_of", "sso_member_account",
           "sso_provider_for_email", "sso_provider_get"]


def email_domain(email: str) -> str:
    return email.strip().rpartition("@")[2].lower()


def identity_provider_of(*, department: Department) -> IdentityProvider | None:
    return IdentityProvider.objects.filter(department=department).prefetch_related("domains").first()


def identity_provider_for_email(*, email: str) -> IdentityProvider | None:
    """The enabled provider whose department claims the address's domain, if any."""
    domain = email_domain(email)
    if not domain:
        return None
    claimed = (IdentityProviderDomain.objects.select_related("provider__department")
               .filter(domain=domain, provider__is_enabled=True).first())
    return claimed.provider if claimed is not None else None


def _as_sso_provider(provider: IdentityProvider) -> SsoProvider:
    return SsoProvider(
        id=provider.pk, department_id=provider.department_id, department_slug=provider.department.slug,
        department_name=provider.department.name, issuer=provider.issuer, client_id=provider.client_id,
        client_secret=provider.client_secret, staff_number_claim=provider.staff_number_claim,
    )


def sso_provider_for_email(*, email: str) -> SsoProvider | None:
    provider = identity_provider_for_email(email=email)
    return _as_sso_provider(provider) if provider is not None else None


def sso_provider_get(*, provider_id: int) -> SsoProvider | None:
    """An enabled provider by id (the sign-in in flight names it; it may have been disabled since)."""
    provider = IdentityProvider.objects.select_related("department").filter(pk=provider_id, is_enabled=True).first()
    return _as_sso_provider(provider) if provider is not None else None


def sso_member_account(*, department_id: int, email: str) -> User | None:
    """The active person with this e-mail address who has access to the department today."""
    if not email:
        return None
    user = User.objects.filter(email__iexact=email.strip(), is_active=True, kind=User.Kind.PERSON).first()
    if user is None:
        return None
    member = DepartmentMembership.objects.current().filter(user=user, department_id=department_id).exists()
    return user if member else None
