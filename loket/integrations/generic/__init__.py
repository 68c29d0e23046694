"""The generic channel: messages pushed and pulled through Loket's own REST API.

Inbound: ``POST /api/v1/inbound/messages`` (see loket/api/routers/inbound.py).
Outbound: a reply on the ``api`` channel is handed to the integrator through the
``case.reply_sent`` webhook and ``GET /api/v1/cases/{id}/messages``; it counts as sent once
it is committed and published.
"""
