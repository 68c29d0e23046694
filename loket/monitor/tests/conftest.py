"""Fixtures of the monitor's tests: an active survey, and an e-mail case that can be answered."""

from __future__ import annotations

import pytest

from loket.accounts.models import Membership
from loket.cases.receiving import InboundMessage, do_receive_message
from loket.monitor.actions import check_save_survey


@pytest.fixture
def survey(org, owner, team):
    membership = Membership.objects.get(user=owner, organization=org)
    return check_save_survey(
        membership,
        None,
        name="Na elk contact",
        questions=[{"kind": "csat"}, {"kind": "solved"}, {"kind": "text"}],
        quiet_days=0,
    )


@pytest.fixture
def email_case(org, team, agent):
    """A case opened by Jolanda's e-mail, owned by the agent."""
    from loket.cases.actions import do_hand_over

    result = do_receive_message(
        org,
        InboundMessage(
            channel="email",
            identity_kind="email",
            identity_value="jolanda@example.nl",
            sender_name="Jolanda de Vries",
            subject="Bank beschadigd geleverd",
            text="De poot is afgebroken.",
            external_id="<bank-1@example.nl>",
        ),
    )
    case = result.message.case
    do_hand_over(case, actor=None, to_user=agent, reason="other", note="eerste lijn")
    case.refresh_from_db()
    return case


def membership_of(user, org) -> Membership:
    return Membership.objects.get(user=user, organization=org)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run an action as if its transaction committed: its after-commit work (listeners) runs."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run
