# A Django view; Flask and FastAPI look the same: verify the raw body first, then act on it.
import json
import os

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .verify_webhook import InvalidWebhook, verify_webhook

SEEN: set[str] = set()  # use your database: deliveries can arrive more than once


@csrf_exempt
@require_POST
def rvs_webhook(request: HttpRequest) -> HttpResponse:
    try:
        verify_webhook(os.environ["RVS_WEBHOOK_SECRET"], request.headers, request.body)
    except InvalidWebhook:
        return HttpResponse(status=400)
    event = json.loads(request.body)
    if event["id"] not in SEEN:  # the same as the webhook-id header
        SEEN.add(event["id"])
        print(event["type"], event["data"]["result_id"])  # queue your own work here and answer at once
    return HttpResponse(status=204)
