"""Which language a page or an email is written in (decision 0033).

The order of choice for a page: the signed-in person's saved language (``User.language``), else
the language cookie (the switcher), else the browser's ``Accept-Language``, else English.
Django's ``LocaleMiddleware`` does the last three; ``UserLanguageMiddleware`` (after
authentication) the first. An email is written in its recipient's language: ``queue_email``'s
``language``, from ``language_of`` (a person with a saved language) or ``request_language``
(someone with none yet, in the language of the request that caused the email).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation

RTL = frozenset({"ar"})


@dataclass(frozen=True)
class Language:
    code: str  # Django's: en-gb, zh-hans
    name: str  # in itself: "Español"
    tag: str  # BCP 47, for lang="": en-GB, zh-Hans
    dir: str  # "ltr" or "rtl"


def bcp47(code: str) -> str:
    """Django's language code as a BCP 47 tag: en-gb -> en-GB, zh-hans -> zh-Hans, es -> es."""
    language, _, rest = code.partition("-")
    if not rest:
        return language.lower()
    return f"{language.lower()}-{rest.upper() if len(rest) == 2 else rest.title()}"


def languages() -> list[Language]:
    return [Language(code, name, bcp47(code), "rtl" if code in RTL else "ltr") for code, name in settings.LANGUAGES]


def supported(code: str | None) -> str | None:
    """``code`` if it is one of the service's languages (any letter case), else None."""
    if not code:
        return None
    code = code.lower()
    return code if code in dict(settings.LANGUAGES) else None


def current() -> Language:
    """The active language (English when none or one the service does not have is active)."""
    code = supported(translation.get_language()) or settings.LANGUAGE_CODE
    return next(language for language in languages() if language.code == code)


def request_language() -> str:
    """The language of the request being served: for an email to someone with no saved language."""
    return current().code


def language_of(user: object, default: str | None = None) -> str:
    """The language to write to this person in: their saved one, else ``default``, else English."""
    saved = supported(getattr(user, "language", ""))
    return saved or supported(default) or settings.LANGUAGE_CODE


class UserLanguageMiddleware:
    """Activates a signed-in person's saved language, which wins over the cookie and the browser.

    The cookie is set to it too, so the pages after signing out stay in the person's language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        saved = supported(getattr(user, "language", "")) if user is not None and user.is_authenticated else None
        if saved:
            translation.activate(saved)
            setattr(request, "LANGUAGE_CODE", saved)  # noqa: B010 - Django's attribute, not in the stubs
        response = self.get_response(request)
        if saved and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != saved:
            set_language_cookie(response, saved)
        return response


def set_language_cookie(response: HttpResponseBase, code: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite="Lax" if settings.LANGUAGE_COOKIE_SAMESITE == "Lax" else "Strict",
    )


@receiver(user_logged_in, dispatch_uid="rvs.core.i18n.remember_language")
def remember_language(sender: object, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any) -> None:
    """Signing in with no saved language keeps the one the person was reading, if they or their
    browser chose it (the cookie or Accept-Language, not the fallback): their emails follow it."""
    if request is None or not hasattr(user, "language") or supported(user.language):
        return
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or request.META.get("HTTP_ACCEPT_LANGUAGE")
    code = supported(getattr(request, "LANGUAGE_CODE", None))
    if chosen and code:
        user.language = code
        get_user_model().objects.filter(pk=user.pk).update(language=code)
