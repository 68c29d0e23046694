from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from loket.accounts.actions import (
    check_add_member,
    check_change_role,
    check_create_member,
    check_create_team,
    check_set_member_active,
    check_set_team_members,
)
from loket.accounts.models import Membership, Role
from loket.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(owner, org):
    return Membership.objects.get(user=owner, organization=org)


@pytest.fixture
def agent_member(agent, org):
    return Membership.objects.get(user=agent, organization=org)


def test_only_admins_manage_members(agent_member):
    UserFactory(username="nieuw")
    with pytest.raises(PermissionDenied):
        check_add_member(agent_member, username="nieuw", role=Role.AGENT)
    with pytest.raises(PermissionDenied):
        check_create_team(agent_member, "Stiekem")


def test_adding_a_member_twice_is_refused(admin, agent):
    with pytest.raises(ValidationError, match="al lid"):
        check_add_member(admin, username=agent.username, role=Role.AGENT)


def test_adding_a_former_member_reactivates_them(admin, agent_member, agent):
    check_set_member_active(admin, agent_member, False)
    membership = check_add_member(admin, username="ARIE", role=Role.LEAD)
    assert membership.pk == agent_member.pk
    assert membership.is_active
    assert membership.role == Role.LEAD


def test_created_member_has_a_validated_password(admin):
    with pytest.raises(ValidationError) as excinfo:
        check_create_member(admin, username="kees", email="k@example.nl", role=Role.AGENT, password="kees")
    assert "password" in excinfo.value.message_dict
    membership = check_create_member(
        admin, username="kees", email="k@example.nl", role=Role.AGENT, password="een-sterk-wachtwoord"
    )
    assert membership.user.check_password("een-sterk-wachtwoord")


def test_username_must_be_free_whatever_its_case(admin, agent):
    with pytest.raises(ValidationError, match="al in gebruik"):
        check_create_member(admin, username="Arie", email="a@example.nl", role=Role.AGENT)


def test_role_change_of_a_member_of_another_organisation_is_refused(admin, outsider, other_org):
    foreign = Membership.objects.get(user=outsider, organization=other_org)
    with pytest.raises(PermissionDenied):
        check_change_role(admin, foreign, Role.VIEWER)


def test_unknown_role_is_refused(admin, agent_member):
    with pytest.raises(ValidationError):
        check_change_role(admin, agent_member, "koning")


def test_team_members_must_belong_to_the_organisation(admin, team, outsider, agent):
    with pytest.raises(ValidationError):
        check_set_team_members(admin, team, [agent, outsider])
    assert check_set_team_members(admin, team, [agent]).members.get() == agent
