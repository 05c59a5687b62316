"""Profiles over GraphQL: create, update, read, search, pages, and their events."""

import pytest

from loyalty_gateway.events.models import Event
from loyalty_gateway.profiles.models import Profile
from tests.support import CREATE_PROFILE as CREATE
from tests.support import PROFILE_FIELDS, create_profile, unique

UPDATE = f"""
mutation($input: UpdateProfileInput!) {{
  updateProfile(input: $input) {{ profile {{ {PROFILE_FIELDS} }} errors {{ code message field }} }}
}}"""


async def test_create_and_read_a_profile(gql):
    email = f"{unique('Jane')}@Example.com"
    profile = await create_profile(
        gql,
        email=email,
        firstName="Jane",
        lastName="Citizen",
        mobilePhone="+61400000000",
        birthDate="1990-05-17",
        gender="female",
        tags=["vip", "vip", "stylist-client"],
        externalId=unique("ext"),
    )
    assert profile["email"] == email
    assert profile["tags"] == ["vip", "stylist-client"]
    assert profile["birthDate"] == "1990-05-17"
    assert profile["createdAt"].endswith("+00:00")
    read = await gql(
        f"query($id: ID!) {{ profile(id: $id) {{ {PROFILE_FIELDS} }} }}", {"id": profile["id"]}
    )
    assert read["profile"] == profile


async def test_profile_created_event_carries_snake_case_context(gql):
    profile = await create_profile(gql, firstName="Evie")
    event = await Event.get(name="profile.created", profile_id=profile["id"])
    assert event.context["profile_id"] == profile["id"]
    assert event.context["first_name"] == "Evie"
    assert event.context["reward_balance"] == "0.00"
    assert event.context["point_balance"] == 0
    assert event.depth == 0  # written by a user action, not by a reaction


async def test_email_is_unique_ignoring_case(gql):
    email = f"{unique('dup')}@example.com"
    await create_profile(gql, email=email)
    before = await Profile.all().count()
    data = await gql(CREATE, {"input": {"email": email.upper()}})
    assert data["createProfile"] == {
        "profile": None,
        "errors": [
            {
                "code": "DUPLICATE_EMAIL",
                "message": data["createProfile"]["errors"][0]["message"],
                "field": "email",
            }
        ],
    }
    assert await Profile.all().count() == before


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"email": "not-an-email"}, "INVALID_INPUT", "email"),
        ({"gender": "robot"}, "INVALID_INPUT", "gender"),
        ({"birthDate": "2999-01-01"}, "INVALID_DATE", "birthDate"),
        ({"firstName": "x" * 256}, "INVALID_INPUT", "firstName"),
        ({"externalId": "nul\x00byte"}, "INVALID_INPUT", "externalId"),
        ({"email": "a" * 320 + "@example.com"}, "INVALID_INPUT", "email"),
    ],
)
async def test_bad_profile_input_is_a_user_error(gql, fields, code, field):
    before = await Profile.all().count()
    data = await gql(CREATE, {"input": {"email": f"{unique('b')}@example.com", **fields}})
    [error] = data["createProfile"]["errors"]
    assert (error["code"], error["field"]) == (code, field)
    assert data["createProfile"]["profile"] is None
    assert await Profile.all().count() == before


async def test_update_changes_only_given_fields_and_emits_event(gql):
    profile = await create_profile(gql, firstName="Old", lastName="Name")
    data = await gql(UPDATE, {"input": {"id": profile["id"], "firstName": "New"}})
    updated = data["updateProfile"]["profile"]
    assert (updated["firstName"], updated["lastName"]) == ("New", "Name")
    assert await Event.filter(name="profile.updated", profile_id=profile["id"]).count() == 1


async def test_update_to_a_taken_email_is_refused(gql):
    first = await create_profile(gql)
    second = await create_profile(gql)
    data = await gql(UPDATE, {"input": {"id": second["id"], "email": first["email"]}})
    assert data["updateProfile"]["errors"][0]["code"] == "DUPLICATE_EMAIL"


async def test_update_unknown_profile_is_not_found(gql):
    data = await gql(
        UPDATE, {"input": {"id": "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10", "firstName": "X"}}
    )
    assert data["updateProfile"]["errors"][0] == {
        "code": "NOT_FOUND",
        "message": data["updateProfile"]["errors"][0]["message"],
        "field": "id",
    }


async def test_search_and_pagination(gql):
    surname = unique("Searchable")
    ids = [(await create_profile(gql, lastName=surname))["id"] for _ in range(5)]
    query = """query($s: String, $after: String) {
      profiles(first: 2, after: $after, search: $s) {
        totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor }
      }}"""
    seen, after = [], None
    while True:
        page = (await gql(query, {"s": surname.lower(), "after": after}))["profiles"]
        assert page["totalCount"] == 5
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ids


async def test_search_matches_email(gql):
    profile = await create_profile(gql)
    data = await gql(
        "query($s: String) { profiles(search: $s) { nodes { id } } }",
        {"s": profile["email"].split("@")[0].upper()},
    )
    assert [node["id"] for node in data["profiles"]["nodes"]] == [profile["id"]]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("query($id: ID!) { profile(id: $id) { id } }", {"id": "42"}),
        ("{ profiles(first: 101) { totalCount } }", {}),
        ("{ profiles(first: -1) { totalCount } }", {}),
        ('{ profiles(after: "bm9wZQ==") { totalCount } }', {}),
        ("query($id: ID!) { balances(profileId: $id) { rewardBalance } }", {"id": "x"}),
    ],
)
async def test_bad_query_arguments_are_bad_user_input(gql, query, variables):
    body = await gql.raw(query, variables)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_unknown_profile_is_null(gql):
    data = await gql('{ profile(id: "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10") { id } }')
    assert data["profile"] is None
