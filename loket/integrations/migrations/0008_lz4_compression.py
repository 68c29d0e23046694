from django.db import migrations

from loket.lib.migrations import lz4_compression


class Migration(migrations.Migration):
    dependencies = [("integrations", "0007_mailbox_day")]

    operations = [lz4_compression("integrations", "InboundDelivery", "raw", "payload")]
