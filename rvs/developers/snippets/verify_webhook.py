import base64
import hashlib
import hmac
import time
from collections.abc import Mapping

TOLERANCE_SECONDS = 5 * 60


class InvalidWebhook(Exception):
    """Not from us, changed on the way, or replayed: answer 400 and do nothing with it."""


def verify_webhook(secret: str, headers: Mapping[str, str], body: bytes) -> None:
    """Raise InvalidWebhook unless ``body`` was signed with your endpoint's secret within 5 minutes.

    ``secret`` is the whsec_... value shown when you added the endpoint; ``headers`` the request's
    headers (case-insensitive in most frameworks, else lower-case names); ``body`` the raw bytes
    received, before any JSON parsing.
    """
    message_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not (message_id and timestamp.isdigit() and signatures):
        raise InvalidWebhook("missing webhook-id, webhook-timestamp or webhook-signature")
    if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        raise InvalidWebhook("timestamp more than 5 minutes off: a replay, or a wrong clock")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    # The header may carry several signatures separated by spaces ("v1,<base64> v1,<base64>").
    for candidate in signatures.split():
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return
    raise InvalidWebhook("no signature matches")
