from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from rvs.api import keys
from rvs.api.models import ApiKey

FORBIDDEN_QUERY_PARAMETERS = ("api_key", "apikey", "key", "token", "access_token")


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Bearer rvs_<prefix>_<secret>``; a key in the URL is refused outright."""

    def authenticate(self, request: Request) -> tuple[ApiKey, ApiKey] | None:
        if any(name in request.query_params for name in FORBIDDEN_QUERY_PARAMETERS):
            raise AuthenticationFailed(
                _(
                    "API keys are accepted only in the Authorization header, never in the URL. "
                    "Revoke a key that was sent in one."
                )
            )
        header = get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _space, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed(_("Send the key as: Authorization: Bearer rvs_…"))
        key = keys.authenticate(token.strip())
        if key is None:
            raise AuthenticationFailed(_("This API key is not valid, has expired or has been revoked."))
        if not key.organisation.is_active:
            raise AuthenticationFailed(_("This organisation's access is suspended."))
        return key, key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="rvs-api"'
