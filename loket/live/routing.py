from django.urls import path

from loket.integrations.webchat.live import VisitorConsumer
from loket.live.consumers import LiveConsumer

websocket_urlpatterns = [
    path("ws/live/", LiveConsumer.as_asgi()),
    # A chat visitor's socket: the widget's key in the path, the visitor token in the query.
    path("ws/chat/<str:key>/", VisitorConsumer.as_asgi()),
]
