"""``Actor = User | ApiKey``: who acts, by its concrete models (decision 0026).

Core cannot import either model, so it types actors by the Protocols in ``rvs.core.actors`` and
``rvs.core.permissions``; this module is the first place both models are importable, and
``_conforms`` makes mypy prove that each model satisfies those Protocols. Feature apps below this
one take ``ActorLike`` (an API request and a web page call the same services); the API's own code
takes ``Actor`` or ``ApiKey``.
"""

from __future__ import annotations

from typing import TypeAlias, cast

from rest_framework.request import Request

from rvs.accounts.models import User
from rvs.api.models import ApiKey
from rvs.core.actors import ActorLike, ApiKeyLike
from rvs.core.permissions import MembershipLike, OrganisationLike
from rvs.organisations.models import Membership, Organisation

Actor: TypeAlias = User | ApiKey


def key_of(request: Request) -> ApiKey:
    """The key ``ApiKeyAuthentication`` put on an API request (every API view requires one)."""
    return cast(ApiKey, request.auth)


def _conforms(
    actor: Actor, key: ApiKey, organisation: Organisation, membership: Membership
) -> tuple[ActorLike, ApiKeyLike, OrganisationLike, MembershipLike]:
    """Never called: mypy checks here that the models satisfy core's Protocols."""
    return actor, key, organisation, membership
