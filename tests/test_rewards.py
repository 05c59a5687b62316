"""Rewards over GraphQL: issuing, expiry arithmetic, balances, extend, reassign, void, replay."""

import asyncio

import pytest

from loyalty_gateway.events.models import Event
from loyalty_gateway.rewards.models import Reward
from tests.support import create_definition, create_profile, ledger, redeem, unique
from tests.test_transactions import create, seed_004_transaction

REWARD_FIELDS = """
id valueInitial valueRemaining timezone issuedAt issuedLocalAt expiresAt expiresLocalAt
extendedAt status externalId meta createdAt definition { id handle } profile { id }
"""
ISSUE = f"""
mutation($input: IssueRewardInput!) {{
  issueReward(input: $input) {{ reward {{ {REWARD_FIELDS} }} errors {{ code message field }} }}
}}"""
BALANCES = """query($id: ID!) {
  balances(profileId: $id) {
    rewardBalance pointBalance pointBalanceDollars combinedBalanceDollars
  }
  profile(id: $id) { balances { rewardBalance combinedBalanceDollars } }
}"""
MELBOURNE = "Australia/Melbourne"


async def issue(gql, **fields) -> dict:
    data = (await gql(ISSUE, {"input": {"timezone": MELBOURNE, **fields}}))["issueReward"]
    assert data["errors"] == [], data["errors"]
    return data["reward"]


async def issue_error(gql, **fields) -> dict:
    before = (await Reward.all().count(), await Event.all().count())
    data = (await gql(ISSUE, {"input": {"timezone": MELBOURNE, **fields}}))["issueReward"]
    assert data["reward"] is None
    assert (await Reward.all().count(), await Event.all().count()) == before
    [error] = data["errors"]
    return error


async def balances(gql, profile_id: str) -> dict:
    data = await gql(BALANCES, {"id": profile_id})
    assert data["profile"]["balances"]["rewardBalance"] == data["balances"]["rewardBalance"]
    return data["balances"]


@pytest.fixture
async def definition(gql) -> dict:
    return await create_definition(gql, value="10", period=30, isExtendable=True)


async def test_seed_004_reward_as_posted(gql, profile):
    """Seed 004's body: explicit values and expiry, naive times local to Melbourne."""
    seed_definition = await create_definition(gql, value="10", type="birthday", period=30)
    reward = await issue(
        gql,
        rewardDefinitionId=seed_definition["id"],
        profileId=profile["id"],
        valueInitial="10",
        valueRemaining="10",
        expiresAt="2022-02-10 12:59:59",
        issuedAt="2021-02-10 10:00:00",
    )
    assert reward["valueInitial"] == reward["valueRemaining"] == "10.00"
    assert reward["issuedAt"] == "2021-02-09T23:00:00+00:00"
    assert reward["issuedLocalAt"] == "2021-02-10T10:00:00+11:00"
    assert reward["expiresLocalAt"] == "2022-02-10T12:59:59+11:00"
    assert reward["status"] == "EXPIRED"
    assert reward["definition"]["id"] == seed_definition["id"]
    assert reward["profile"]["id"] == profile["id"]


async def test_default_expiry_is_end_of_local_day_after_the_period(gql, profile, definition):
    reward = await issue(
        gql,
        profileId=profile["id"],
        rewardDefinitionHandle=definition["handle"],
        issuedAt="2021-02-10 10:00:00",
    )
    assert reward["expiresLocalAt"] == "2021-03-12T23:59:59+11:00"
    assert reward["expiresAt"] == "2021-03-12T12:59:59+00:00"
    assert reward["valueInitial"] == "10.00"


async def test_expiry_across_the_end_of_daylight_saving(gql, profile, definition):
    """Melbourne leaves DST on 2021-04-04: the expiry is still 23:59:59 local, now +10:00."""
    reward = await issue(
        gql,
        profileId=profile["id"],
        rewardDefinitionId=definition["id"],
        issuedAt="2021-03-20T10:00:00+11:00",
    )
    assert reward["expiresLocalAt"] == "2021-04-19T23:59:59+10:00"
    assert reward["expiresAt"] == "2021-04-19T13:59:59+00:00"


async def test_issue_date_is_the_local_date_not_the_utc_date(gql, profile, definition):
    """00:30 in Melbourne is the previous day in UTC; the local date counts."""
    reward = await issue(
        gql,
        profileId=profile["id"],
        rewardDefinitionId=definition["id"],
        issuedAt="2021-06-01T14:30:00Z",
    )
    assert reward["issuedLocalAt"] == "2021-06-02T00:30:00+10:00"
    assert reward["expiresLocalAt"] == "2021-07-02T23:59:59+10:00"


async def test_month_periods_clamp_to_the_month_end(gql, profile):
    monthly = await create_definition(gql, period=1, periodType="MONTHS")
    reward = await issue(
        gql,
        profileId=profile["id"],
        rewardDefinitionId=monthly["id"],
        issuedAt="2021-01-31 09:00:00",
    )
    assert reward["expiresLocalAt"] == "2021-02-28T23:59:59+11:00"


async def test_absolute_date_and_no_period(gql, profile):
    absolute = await create_definition(
        gql, period=None, periodType="ABSOLUTE_DATE", absoluteExpiry="2031-12-31T12:59:59Z"
    )
    forever = await create_definition(gql, period=None)
    fixed = await issue(gql, profileId=profile["id"], rewardDefinitionId=absolute["id"])
    endless = await issue(gql, profileId=profile["id"], rewardDefinitionId=forever["id"])
    assert fixed["expiresAt"] == "2031-12-31T12:59:59+00:00"
    assert endless["expiresAt"] is None and endless["status"] == "ACTIVE"


async def test_balances_sum_only_active_unexpired_dollar_rewards(gql, profile, definition):
    percent = await create_definition(gql, type="percentage", value="15")
    pid = profile["id"]
    await issue(gql, profileId=pid, rewardDefinitionId=definition["id"])  # 10.00 active
    await issue(gql, profileId=pid, rewardDefinitionId=definition["id"], valueInitial="5.55")
    await issue(gql, profileId=pid, rewardDefinitionId=percent["id"])  # a percent, not dollars
    await issue(  # expired
        gql, profileId=pid, rewardDefinitionId=definition["id"], issuedAt="2020-01-01 09:00:00"
    )
    await issue(  # used up
        gql, profileId=pid, rewardDefinitionId=definition["id"], valueRemaining="0"
    )
    partly = await issue(
        gql, profileId=pid, rewardDefinitionId=definition["id"], valueRemaining="2.50"
    )
    voided = await issue(gql, profileId=pid, rewardDefinitionId=definition["id"])
    void = await gql(
        'mutation($id: ID!) { voidReward(input: {rewardId: $id, reason: "test"}) '
        "{ reward { status } errors { code } } }",
        {"id": voided["id"]},
    )
    assert void["voidReward"] == {"reward": {"status": "VOID"}, "errors": []}
    assert partly["status"] == "ACTIVE"
    assert await balances(gql, pid) == {
        "rewardBalance": "18.05",
        "pointBalance": 0,
        "pointBalanceDollars": "0.00",
        "combinedBalanceDollars": "18.05",
    }
    listed = await gql(
        """query($id: ID!) { profile(id: $id) {
          all: rewards { totalCount nodes { status valueRemaining } }
          active: rewards(status: [ACTIVE]) { totalCount }
          gone: rewards(status: [EXPIRED, USED, VOID]) { totalCount } } }""",
        {"id": pid},
    )
    assert listed["profile"]["all"]["totalCount"] == 7
    assert listed["profile"]["active"]["totalCount"] == 4
    assert listed["profile"]["gone"]["totalCount"] == 3


async def test_rewards_are_listed_by_expiry_soonest_first(gql, profile):
    pid = profile["id"]
    forever = await create_definition(gql, period=None)
    short = await create_definition(gql, period=5)
    long = await create_definition(gql, period=50)
    for definition in (forever, long, short):
        await issue(gql, profileId=pid, rewardDefinitionId=definition["id"])
    data = await gql(
        "query($id: ID!) { profile(id: $id) { rewards { nodes { definition { id } } } } }",
        {"id": pid},
    )
    order = [node["definition"]["id"] for node in data["profile"]["rewards"]["nodes"]]
    assert order == [short["id"], long["id"], forever["id"]]


async def test_reward_created_event_has_reward_at_root_and_profile_nested(gql, profile, definition):
    reward = await issue(gql, profileId=profile["id"], rewardDefinitionId=definition["id"])
    event = await Event.get(name="reward.created", profile_id=profile["id"])
    assert event.context["id"] == reward["id"]
    assert event.context["value_initial"] == "10.00"
    assert event.context["definition"]["handle"] == definition["handle"]
    assert event.context["profile"]["profile_id"] == profile["id"]
    assert event.context["profile"]["reward_balance"] == "10.00"


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"profileId": "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10"}, "NOT_FOUND", "profileId"),
        ({"profileId": "not-a-uuid"}, "INVALID_ID", "profileId"),
        (
            {"rewardDefinitionId": "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10"},
            "NOT_FOUND",
            "rewardDefinitionId",
        ),
        ({"rewardDefinitionHandle": "no-such-handle"}, "NOT_FOUND", "rewardDefinitionHandle"),
        ({"timezone": "Mars/Olympus_Mons"}, "INVALID_TIMEZONE", "timezone"),
        ({"valueInitial": "-1"}, "INVALID_AMOUNT", "valueInitial"),
        ({"valueInitial": "lots"}, "INVALID_AMOUNT", "valueInitial"),
        ({"valueInitial": "99999999999999999999"}, "INVALID_AMOUNT", "valueInitial"),
        ({"externalId": "e" * 300}, "INVALID_INPUT", "externalId"),
        ({"valueInitial": "5", "valueRemaining": "6"}, "INVALID_AMOUNT", "valueRemaining"),
        (
            {"issuedAt": "2021-02-10 10:00:00", "expiresAt": "2021-02-09 10:00:00"},
            "INVALID_DATE",
            "expiresAt",
        ),
    ],
)
async def test_bad_issue_input_is_a_user_error_and_writes_nothing(
    gql, profile, definition, fields, code, field
):
    body = {"profileId": profile["id"], "rewardDefinitionId": definition["id"]}
    if "rewardDefinitionHandle" in fields:
        body.pop("rewardDefinitionId")
    error = await issue_error(gql, **{**body, **fields})
    assert (error["code"], error["field"]) == (code, field)


async def test_idempotent_replay_returns_the_first_reward(gql, profile, definition):
    key = unique("key")
    body = {
        "profileId": profile["id"],
        "rewardDefinitionId": definition["id"],
        "idempotencyKey": key,
    }
    first = await issue(gql, **body)
    again = await issue(gql, **body)
    assert again == first
    assert await Reward.filter(profile_id=profile["id"]).count() == 1
    error = await issue_error(gql, **{**body, "valueInitial": "3"})
    assert (error["code"], error["field"]) == ("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")


async def test_concurrent_calls_with_one_key_issue_one_reward(gql, profile, definition):
    body = {
        "profileId": profile["id"],
        "rewardDefinitionId": definition["id"],
        "idempotencyKey": unique("key"),
    }
    results = await asyncio.gather(*(issue(gql, **body) for _ in range(10)))
    assert len({r["id"] for r in results}) == 1
    assert await Reward.filter(profile_id=profile["id"]).count() == 1
    assert await Event.filter(name="reward.created", profile_id=profile["id"]).count() == 1


EXTEND = """mutation($input: ExtendRewardsInput!) {
  extendRewards(input: $input) { rewards { id expiresLocalAt extendedAt } errors { code field } }
}"""


async def test_extend_by_days_once(gql, profile, definition):
    reward = await issue(
        gql,
        profileId=profile["id"],
        rewardDefinitionId=definition["id"],
        expiresAt="2031-03-12 23:59:59",
    )
    data = await gql(
        EXTEND, {"input": {"profileId": profile["id"], "ids": [reward["id"]], "extendDays": 7}}
    )
    [extended] = data["extendRewards"]["rewards"]
    assert extended["expiresLocalAt"] == "2031-03-19T23:59:59+11:00"
    assert extended["extendedAt"] is not None
    again = await gql(
        EXTEND, {"input": {"profileId": profile["id"], "ids": [reward["id"]], "extendDays": 7}}
    )
    assert again["extendRewards"] == {
        "rewards": [],
        "errors": [{"code": "ALREADY_EXTENDED", "field": "ids"}],
    }


async def test_extend_to_a_date(gql, profile, definition):
    reward = await issue(gql, profileId=profile["id"], rewardDefinitionId=definition["id"])
    data = await gql(
        EXTEND,
        {
            "input": {
                "profileId": profile["id"],
                "ids": [reward["id"]],
                "extendDate": "2040-01-01 23:59:59",
            }
        },
    )
    assert data["extendRewards"]["rewards"][0]["expiresLocalAt"] == "2040-01-01T23:59:59+11:00"


async def test_extend_refusals_change_nothing(gql, profile, definition):
    fixed = await create_definition(gql, isExtendable=False)
    other = await create_profile(gql)
    locked = await issue(gql, profileId=profile["id"], rewardDefinitionId=fixed["id"])
    extendable = await issue(gql, profileId=profile["id"], rewardDefinitionId=definition["id"])
    cases = [
        ({"ids": [extendable["id"], locked["id"]], "extendDays": 3}, "NOT_EXTENDABLE", "ids"),
        ({"ids": [extendable["id"]]}, "INVALID_INPUT", "extendDays"),
        ({"ids": [extendable["id"]], "extendDays": 0}, "INVALID_INPUT", "extendDays"),
        (
            {"ids": [extendable["id"]], "extendDays": 1, "extendDate": "2040-01-01 00:00:00"},
            "INVALID_INPUT",
            "extendDays",
        ),
    ]
    for fields, code, field in cases:
        data = await gql(EXTEND, {"input": {"profileId": profile["id"], **fields}})
        assert data["extendRewards"]["errors"] == [{"code": code, "field": field}]
    wrong_owner = await gql(
        EXTEND, {"input": {"profileId": other["id"], "ids": [extendable["id"]], "extendDays": 1}}
    )
    assert wrong_owner["extendRewards"]["errors"] == [{"code": "NOT_FOUND", "field": "ids"}]
    stored = await Reward.get(id=extendable["id"])
    assert stored.extended_at is None


async def test_a_period_past_year_9999_is_a_user_error(gql, profile):
    endless = await create_definition(gql, period=2_000_000_000)
    error = await issue_error(gql, profileId=profile["id"], rewardDefinitionId=endless["id"])
    assert (error["code"], error["field"]) == ("INVALID_DATE", "period")


REASSIGN = """mutation($input: ReassignRewardInput!) {
  reassignReward(input: $input) { reward { profile { id } } errors { code field } }
}"""


async def test_reassign_only_unused_unexpired_rewards_of_reassignable_definitions(gql, profile):
    movable = await create_definition(gql, isReassignable=True)
    fixed = await create_definition(gql, isReassignable=False)
    target = await create_profile(gql)
    fresh = await issue(gql, profileId=profile["id"], rewardDefinitionId=movable["id"])
    used = await issue(
        gql, profileId=profile["id"], rewardDefinitionId=movable["id"], valueRemaining="1"
    )
    expired = await issue(
        gql,
        profileId=profile["id"],
        rewardDefinitionId=movable["id"],
        issuedAt="2020-01-01 10:00:00",
    )
    pinned = await issue(gql, profileId=profile["id"], rewardDefinitionId=fixed["id"])

    async def reassign(reward):
        data = await gql(REASSIGN, {"input": {"rewardId": reward["id"], "profileId": target["id"]}})
        return data["reassignReward"]

    assert await reassign(fresh) == {"reward": {"profile": {"id": target["id"]}}, "errors": []}
    for reward, code in (
        (used, "REWARD_NOT_ACTIVE"),
        (expired, "REWARD_NOT_ACTIVE"),
        (pinned, "NOT_REASSIGNABLE"),
    ):
        assert await reassign(reward) == {
            "reward": None,
            "errors": [{"code": code, "field": "rewardId"}],
        }
    assert await balances(gql, target["id"]) == {
        "rewardBalance": "10.00",
        "pointBalance": 0,
        "pointBalanceDollars": "0.00",
        "combinedBalanceDollars": "10.00",
    }


async def test_void_twice_is_refused(gql, profile, definition):
    reward = await issue(gql, profileId=profile["id"], rewardDefinitionId=definition["id"])
    query = (
        'mutation($id: ID!) { voidReward(input: {rewardId: $id, reason: "fraud"}) '
        "{ reward { status } errors { code } } }"
    )
    assert (await gql(query, {"id": reward["id"]}))["voidReward"]["errors"] == []
    second = (await gql(query, {"id": reward["id"]}))["voidReward"]
    assert second == {"reward": None, "errors": [{"code": "REWARD_NOT_ACTIVE"}]}


async def test_meta_is_a_json_value_but_not_a_bare_string(gql):
    """Tortoise's JSONField reads a str as encoded JSON: "hello" was an internal error and
    "[1, 2]" came back a list. A bare string is refused; anything else round-trips."""
    profile = await create_profile(gql)
    definition = await create_definition(gql)
    query = """mutation($input: IssueRewardInput!) { issueReward(input: $input)
      { reward { meta } errors { code field } } }"""
    base = {"profileId": profile["id"], "rewardDefinitionId": definition["id"], "timezone": "UTC"}
    for meta in ({"a": "[1]"}, [1, "x"], 5, True, None):
        data = (await gql(query, {"input": {**base, "meta": meta}}))["issueReward"]
        assert data == {"reward": {"meta": meta}, "errors": []}
    for meta in ("hello", "[1, 2]", ""):
        data = (await gql(query, {"input": {**base, "meta": meta}}))["issueReward"]
        assert data == {"reward": None, "errors": [{"code": "INVALID_INPUT", "field": "meta"}]}


async def test_extending_across_the_end_of_daylight_saving_lands_at_the_end_of_the_day(
    gql, profile, definition
):
    """Melbourne leaves daylight saving on 2027-04-04: 31 March + 7 days is 7 April, 23:59:59
    local (it was 22:59:59, seven days of 24 hours after 23:59:59 +11:00)."""
    reward = await issue(
        gql, profileId=profile["id"], rewardDefinitionId=definition["id"],
        expiresAt="2027-03-31 23:59:59",
    )  # fmt: skip
    assert reward["expiresLocalAt"] == "2027-03-31T23:59:59+11:00"
    data = await gql(
        EXTEND, {"input": {"profileId": profile["id"], "ids": [reward["id"]], "extendDays": 7}}
    )
    assert data["extendRewards"]["rewards"][0]["expiresLocalAt"] == "2027-04-07T23:59:59+10:00"


async def test_an_extension_to_a_day_ends_with_that_day_and_never_shortens(
    gql, profile, definition
):
    reward = await issue(
        gql, profileId=profile["id"], rewardDefinitionId=definition["id"],
        expiresAt="2031-03-12 23:59:59",
    )  # fmt: skip
    body = {"profileId": profile["id"], "ids": [reward["id"]]}
    earlier = await gql(EXTEND, {"input": {**body, "extendDate": "2031-03-01"}})
    assert earlier["extendRewards"] == {
        "rewards": [],
        "errors": [{"code": "INVALID_EXTENSION", "field": "extendDate"}],
    }
    data = await gql(EXTEND, {"input": {**body, "extendDate": "2031-04-20"}})
    [extended] = data["extendRewards"]["rewards"]
    assert extended["expiresLocalAt"] == "2031-04-20T23:59:59+10:00"  # not used up before


UPDATE_TYPE = """mutation($id: ID!, $type: String!) { updateRewardDefinition(
  input: {id: $id, type: $type}) { rewardDefinition { type } errors { code field } } }"""


async def test_an_issued_reward_keeps_the_terms_it_was_issued_with(gql, profile):
    fixed = await create_definition(gql, value="15", type="fixed")
    reward = await issue(gql, profileId=profile["id"], rewardDefinitionId=fixed["id"])
    percent = await create_definition(gql, value="10", type="percentage")
    await issue(gql, profileId=profile["id"], rewardDefinitionId=percent["id"])
    for definition, new_type in ((fixed, "percentage"), (percent, "fixed")):
        changed = await gql(UPDATE_TYPE, {"id": definition["id"], "type": new_type})
        assert changed["updateRewardDefinition"]["errors"] == []
    balances = await gql(BALANCES, {"id": profile["id"]})
    assert balances["balances"]["rewardBalance"] == "15.00"  # not 0.00, and not 25.00
    totals = (await ledger(gql, profile["id"]))["rewards"]
    assert (totals["issued"], totals["balance"], totals["balanced"]) == ("15.00", "15.00", True)
    rewards = await gql(
        "query($id: ID!) { reward(id: $id) { type valueRemaining } }", {"id": reward["id"]}
    )
    assert rewards["reward"] == {"type": "fixed", "valueRemaining": "15.00"}
    too_much = await redeem(gql, profile["id"], "20", strict=True)
    assert [e["code"] for e in too_much["errors"]] == ["INSUFFICIENT_BALANCE"]
    assert (await redeem(gql, profile["id"], "15"))["errors"] == []


REDEEM_REWARD = """mutation($input: RedeemRewardInput!) { redeemReward(input: $input) {
  reward { id type valueRemaining status appliedTransactionId } errors { code field } } }"""


async def test_a_percentage_reward_is_used_whole_on_a_transaction(gql, profile):
    percent = await create_definition(gql, value="10", type="percentage")
    reward = await issue(gql, profileId=profile["id"], rewardDefinitionId=percent["id"])
    sale = (await create(gql, seed_004_transaction(profile["id"], None, unique("pct"))))[
        "transaction"
    ]
    body = {"rewardId": reward["id"], "transactionId": sale["id"]}
    used = (await gql(REDEEM_REWARD, {"input": body}))["redeemReward"]
    assert used["errors"] == []
    assert used["reward"]["type"] == "percentage"
    assert (used["reward"]["valueRemaining"], used["reward"]["status"]) == ("0.00", "USED")
    assert used["reward"]["appliedTransactionId"] == sale["id"]
    [event] = await Event.filter(name="reward.redeemed", profile_id=profile["id"])
    assert event.context["transaction_id"] == sale["id"]
    again = (await gql(REDEEM_REWARD, {"input": body}))["redeemReward"]
    assert again["errors"] == [{"code": "REWARD_NOT_ACTIVE", "field": "rewardId"}]
    assert (await gql(BALANCES, {"id": profile["id"]}))["balances"]["rewardBalance"] == "0.00"


async def test_redeem_reward_refuses_dollar_rewards_and_other_profiles_transactions(gql, profile):
    fixed = await create_definition(gql, value="10", type="fixed")
    dollars = await issue(gql, profileId=profile["id"], rewardDefinitionId=fixed["id"])
    refused = await gql(REDEEM_REWARD, {"input": {"rewardId": dollars["id"]}})
    assert refused["redeemReward"]["errors"] == [{"code": "INVALID_INPUT", "field": "rewardId"}]
    percent = await create_definition(gql, value="10", type="percentage")
    reward = await issue(gql, profileId=profile["id"], rewardDefinitionId=percent["id"])
    stranger = await create_profile(gql)
    sale = (await create(gql, seed_004_transaction(stranger["id"], None, unique("pct"))))[
        "transaction"
    ]
    body = {"rewardId": reward["id"], "transactionId": sale["id"]}
    mismatch = (await gql(REDEEM_REWARD, {"input": body}))["redeemReward"]
    assert mismatch["errors"] == [{"code": "PROFILE_MISMATCH", "field": "transactionId"}]
