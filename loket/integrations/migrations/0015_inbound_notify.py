"""PostgreSQL: every INSERT into the inbound deliveries wakes the inbound workers (NOTIFY
loket_inbound, delivered at commit); they LISTEN instead of waiting for their next poll.
A statement-level trigger, so one webhook post or one batch of a hundred costs one notification,
whichever path stored it. SQLite has no NOTIFY: there the workers poll (wakeup.py)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION loket_inbound_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('loket_inbound', '');
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER inbounddelivery_notify AFTER INSERT ON integrations_inbounddelivery
    FOR EACH STATEMENT EXECUTE FUNCTION loket_inbound_notify();
"""
DROP = """
DROP TRIGGER IF EXISTS inbounddelivery_notify ON integrations_inbounddelivery;
DROP FUNCTION IF EXISTS loket_inbound_notify();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("integrations", "0014_webchat_offline")]

    operations = [migrations.RunPython(create, drop)]
