from django.db import migrations

from loket.lib.migrations import lz4_compression


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_attachment_content_id")]

    operations = [lz4_compression("cases", "Message", "text", "html")]
