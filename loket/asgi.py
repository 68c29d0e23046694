"""ASGI entry point: HTTP through Django (the providers' webhook posts through ingress.py first),
WebSockets through Channels (same process)."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from loket.integrations.ingress import Ingress  # noqa: E402
from loket.live.lifespan import lifespan_app  # noqa: E402
from loket.live.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # WhatsApp's and Twilio's webhook posts answered on the event loop (ingress.py); the rest: Django.
        "http": Ingress(django_asgi_app),
        "lifespan": lifespan_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
