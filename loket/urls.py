from django.urls import include, path

from loket.api.api import api
from loket.integrations.email.providers import provider_webhook
from loket.integrations.sms.webhook import sms_webhook
from loket.integrations.whatsapp.webhook import whatsapp_webhook
from loket.monitor.views import survey_response
from loket.ops.views import health
from loket.promises.public import booking_page, report_webhook

urlpatterns = [
    path("", include("loket.web.urls_auth")),
    path("api/v1/", api.urls),
    path("health/", health, name="health"),
    # E-mail providers' inbound webhooks (Mailgun, Postmark, SendGrid): docs/channels/email.md.
    path("inbound/email/<str:provider>/", provider_webhook, name="email_provider_webhook"),
    # WhatsApp Cloud API, one URL per channel account: docs/channels/whatsapp.md.
    path("inbound/whatsapp/<str:key>/", whatsapp_webhook, name="whatsapp_webhook"),
    # The web chat widget: its script, its frame and the visitor's endpoints (docs/channels/webchat.md).
    path("chat/", include("loket.integrations.webchat.urls")),
    # SMS through Twilio, incoming messages and status callbacks per channel account: docs/channels/sms.md.
    path("inbound/sms/<str:key>/", sms_webhook, name="sms_webhook"),
    path("inbound/sms/<str:key>/status/", sms_webhook, name="sms_status_webhook"),
    # The Klantcontact Monitor (docs/monitor.md): the desk's pages, and the customer's response
    # page, whose signed single-use link is the only permission.
    path("monitor/", include("loket.monitor.urls")),
    path("enquete/<str:token>/", survey_response, name="survey_response"),
    # Promises: the customer's callback booking page and outside systems' signed reports (docs/promises.md).
    path("terugbellen/<str:token>/", booking_page, name="promise_booking"),
    path("inbound/toezeggingen/<str:key>/", report_webhook, name="promise_report_webhook"),
    path("", include("loket.promises.urls")),
    # Django's set_language: POST language + next, stores the choice in a cookie.
    path("i18n/", include("django.conf.urls.i18n")),
    # Bereavement: the next of kin's public form and the desk's pages (docs/bereavement.md).
    path("", include("loket.bereavement.urls")),
    path("", include("loket.web.urls")),
]
