"""Logged-in clients for every persona, and small builders used across the desk tests."""

from __future__ import annotations

import pytest
from django.test import Client

from loket.accounts.models import Membership
from loket.cases.receiving import InboundMessage, do_receive_message
from loket.customers.models import Customer


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner):
    return login(owner)


@pytest.fixture
def viewer_client(viewer):
    return login(viewer)


@pytest.fixture
def outsider_client(outsider):
    return login(outsider)


@pytest.fixture
def agent_membership(agent, org):
    return Membership.objects.get(user=agent, organization=org)


def receive(org, *, channel="email", kind="email", value="piet@example.nl", text="Hallo", external_id="", **extra):
    """An inbound message through the channel-neutral entry point, as any adapter would deliver it."""
    return do_receive_message(
        org,
        InboundMessage(
            channel=channel, identity_kind=kind, identity_value=value, text=text, external_id=external_id, **extra
        ),
    ).message


def mark_deceased(customer: Customer, date_of_death=None) -> Customer:
    import datetime

    customer.status = Customer.Status.DECEASED
    customer.date_of_death = date_of_death or datetime.date(2026, 3, 1)
    customer.save()
    return customer
