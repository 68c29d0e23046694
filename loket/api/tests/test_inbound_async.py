"""Inbound messages stored first and put on cases by the inbound worker: 202, batches, status."""

from __future__ import annotations

import pytest

from loket.cases.models import Case, Message
from loket.customers.models import Customer
from loket.events.models import Event
from loket.integrations.actions import do_process_pending
from loket.integrations.models import InboundDelivery

ASYNC = {"Prefer": "respond-async"}


def body(external_id: str, sender: str = "kees@example.nl", text: str = "Wanneer komt de monteur?") -> dict:
    return {"external_id": external_id, "sender": {"kind": "email", "value": sender, "name": "Kees"}, "text": text}


@pytest.mark.django_db
def test_respond_async_answers_202_once_stored_and_the_worker_puts_it_on_a_case(api, team):
    response = api.post("/inbound/messages", body("m-1"), headers=ASYNC)

    assert response.status_code == 202
    accepted = response.json()
    assert accepted["created"] is True
    assert accepted["status"] == "pending"
    assert response["Location"] == accepted["status_url"] == f"/api/v1/inbound/deliveries/{accepted['delivery_id']}"
    assert Message.objects.count() == 0  # stored, not yet on a case
    assert api.get(f"/inbound/deliveries/{accepted['delivery_id']}").json()["status"] == "pending"

    assert do_process_pending() == 1

    status = api.get(f"/inbound/deliveries/{accepted['delivery_id']}").json()
    message = Message.objects.get()
    assert status["status"] == "done"
    assert (status["message_id"], status["case_id"], status["case_number"]) == (
        message.pk,
        message.case_id,
        message.case.number,
    )
    assert message.text == "Wanneer komt de monteur?"
    assert do_process_pending() == 0


@pytest.mark.django_db
def test_a_retry_before_and_after_processing_stores_nothing_new(api, team):
    first = api.post("/inbound/messages", body("m-1"), headers=ASYNC).json()
    again = api.post("/inbound/messages", body("m-1", text="opnieuw"), headers=ASYNC)
    assert again.status_code == 202
    assert again.json()["created"] is False
    assert again.json()["delivery_id"] == first["delivery_id"]

    do_process_pending()
    # A synchronous retry of the processed message answers 200 with its case.
    retry = api.post("/inbound/messages", body("m-1", text="nog eens"))
    assert retry.status_code == 200
    assert retry.json()["created"] is False
    assert InboundDelivery.objects.count() == 1
    assert list(Message.objects.values_list("text", flat=True)) == ["Wanneer komt de monteur?"]


@pytest.mark.django_db
def test_a_batch_is_stored_at_once_and_lands_on_one_case_per_customer(api, team):
    messages = [
        body("b-1", "anna@example.nl", "Mijn pakket is niet aangekomen"),
        body("b-2", "bert@example.nl", "Factuur klopt niet"),
        body("b-3", "anna@example.nl", "Het is pakket 3SABC123"),
        body("b-1", "anna@example.nl", "Mijn pakket is niet aangekomen"),  # the same id twice
    ]
    response = api.post("/inbound/batches", {"messages": messages})

    assert response.status_code == 202
    answer = response.json()
    assert answer["accepted"] == 3
    assert [d["created"] for d in answer["deliveries"]] == [True, True, True, False]
    assert answer["deliveries"][3]["delivery_id"] == answer["deliveries"][0]["delivery_id"]

    do_process_pending()

    anna = Customer.objects.get(name="Kees", identities__value="anna@example.nl")
    case = Case.objects.get(customer=anna)
    assert list(case.messages.order_by("pk").values_list("text", flat=True)) == [
        "Mijn pakket is niet aangekomen",
        "Het is pakket 3SABC123",
    ]
    assert case.message_count == 2
    assert case.subject == "Mijn pakket is niet aangekomen"
    assert Case.objects.count() == 2
    assert Event.objects.filter(type="case.message_received").count() == 3
    assert Event.objects.filter(type="case.opened").count() == 2
    assert Event.objects.filter(type="customer.created").count() == 2

    # Delivering the whole batch again stores nothing.
    again = api.post("/inbound/batches", {"messages": messages}).json()
    assert again["accepted"] == 0
    assert do_process_pending() == 0
    assert Message.objects.count() == 3


@pytest.mark.django_db
def test_a_batch_with_one_bad_sender_is_refused_whole_naming_it(api, team):
    messages = [body("b-1"), {**body("b-2"), "sender": {"kind": "phone", "value": "bel me maar"}}]
    response = api.post("/inbound/batches", {"messages": messages})

    assert response.status_code == 422
    assert "messages.1.sender.value" in response.json()["fields"]
    assert InboundDelivery.objects.count() == 0


@pytest.mark.django_db
def test_a_batch_is_limited_to_500_messages(api, team):
    response = api.post("/inbound/batches", {"messages": [body(f"b-{i}") for i in range(501)]})
    assert response.status_code == 422
    assert "messages" in response.json()["fields"]
    assert InboundDelivery.objects.count() == 0


@pytest.mark.django_db
def test_a_single_message_with_a_bad_sender_is_422_and_not_stored(api, team):
    response = api.post("/inbound/messages", {**body("m-1"), "sender": {"kind": "phone", "value": "12"}}, headers=ASYNC)
    assert response.status_code == 422
    assert "sender.value" in response.json()["fields"]
    assert InboundDelivery.objects.count() == 0
