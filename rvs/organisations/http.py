"""The request an organisation page receives (decision 0026)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rvs.core.permissions import MemberRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from rvs.accounts.models import User
    from rvs.organisations.models import Membership, Organisation


class OrganisationRequest(MemberRequest):
    """What ``@org_permission_required`` lets through: a signed-in user, their membership and its
    organisation set on the request (and django-htmx's ``htmx``, as on every request).

    Views decorated with it annotate ``request: OrganisationRequest``, so mypy knows the
    organisation, the membership and the user they read.
    """

    user: User
    membership: Membership
    organisation: Organisation
    htmx: HtmxDetails
