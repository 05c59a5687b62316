"""Each mutation leaves an audit entry: who, what, when, and the outcome."""

import logging
import uuid

from tortoise.connection import get_connection

from tests.support import create_definition, create_profile, issue_reward, ledger, redeem, unique

AUDIT = """query($token: ID, $op: String) { auditLog(tokenId: $token, operation: $op, first: 10) {
  totalCount nodes { actor tokenId profileId operation ids outcome errorCodes at } } }"""
CREATE = """mutation($email: String!) { createProfile(input: {email: $email}) {
  profile { id } errors { code } } }"""


async def token_id(gql, token: str) -> str:
    tokens = (await gql("{ apiTokens { id prefix } }"))["apiTokens"]
    return next(t["id"] for t in tokens if token.startswith(t["prefix"]) and t["prefix"])


async def test_mutations_are_audited_with_actor_ids_and_outcome(gql, token_with):
    writer = await token_with("profiles:write")
    reader = await token_with("profiles:read")
    email = f"{unique('audit')}@example.com"
    created = (await gql(CREATE, {"email": email}, token=writer))["createProfile"]
    await gql(CREATE, {"email": email}, token=writer)  # duplicate: a user error
    await gql.raw(CREATE, {"email": f"{unique('no')}@example.com"}, token=reader)  # forbidden
    writer_id = await token_id(gql, writer)
    entries = (await gql(AUDIT, {"token": writer_id}))["auditLog"]["nodes"]
    assert [(e["operation"], e["outcome"], e["errorCodes"]) for e in entries] == [
        ("createProfile", "USER_ERROR", ["DUPLICATE_EMAIL"]),
        ("createProfile", "OK", []),
    ]
    assert created["profile"]["id"] in entries[1]["ids"]
    assert entries[1]["actor"] == "token" and entries[1]["tokenId"] == writer_id
    reader_entries = (await gql(AUDIT, {"token": await token_id(gql, reader)}))["auditLog"]
    assert [(e["outcome"], e["errorCodes"]) for e in reader_entries["nodes"]] == [
        ("FORBIDDEN", ["FORBIDDEN"])
    ]


async def test_customer_actions_are_audited_as_the_customer(gql):
    profile = await create_profile(gql)
    token = (
        await gql(
            """mutation($id: ID!) { createCustomerToken(input: {profileId: $id})
      { token } }""",
            {"id": profile["id"]},
        )
    )["createCustomerToken"]["token"]
    await gql.raw(
        """mutation($id: ID!) { claimBenefit(input: {profileId: $id,
      definitionHandle: "nothing-here", timezone: "UTC"}) { errors { code } } }""",
        {"id": profile["id"]},
        token=token,
    )
    entries = (await gql(AUDIT, {"op": "claimBenefit"}))["auditLog"]["nodes"]
    mine = [e for e in entries if e["profileId"] == profile["id"]]
    assert [(e["actor"], e["outcome"], e["errorCodes"]) for e in mine] == [
        ("customer", "USER_ERROR", ["NOT_FOUND"])
    ]
    assert profile["id"] in mine[0]["ids"]


async def test_reading_the_audit_log_needs_its_scope(gql, token_with):
    body = await gql.raw(AUDIT, {}, token=await token_with("profiles:read"))
    assert body["errors"][0]["extensions"]["requiredScope"] == "audit:read"


async def test_unauthenticated_attempts_write_nothing_and_log_no_error(gql, caplog):
    before = (await gql(AUDIT, {"op": "createProfile"}))["auditLog"]["totalCount"]
    with caplog.at_level(logging.DEBUG):
        for _ in range(3):
            body = await gql.raw(CREATE, {"email": f"{unique('anon')}@example.com"}, token=None)
            assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await gql(AUDIT, {"op": "createProfile"}))["auditLog"]["totalCount"] == before
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert all(r.exc_info is None for r in caplog.records)


REFUSE_SQLITE = """CREATE TRIGGER {name} BEFORE INSERT ON audit_entry
  WHEN NEW.ids LIKE '%{marker}%' BEGIN SELECT RAISE(ABORT, 'audit refused'); END"""
REFUSE_POSTGRES = (
    """CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      IF NEW.ids::text LIKE '%{marker}%' THEN RAISE EXCEPTION 'audit refused'; END IF;
      RETURN NEW; END $$""",
    "CREATE TRIGGER {name} BEFORE INSERT ON audit_entry FOR EACH ROW EXECUTE FUNCTION {name}()",
)


async def test_a_value_moving_mutation_and_its_audit_entry_commit_together(gql):
    """The entry is written in the mutation's own transaction: when it cannot be written,
    the redemption is not made either (and the balance stays)."""
    profile = await create_profile(gql)
    definition = await create_definition(gql, value="10", period=None)
    await issue_reward(gql, profile["id"], definition["id"])
    connection = get_connection("default")
    name = "refuse_" + uuid.uuid4().hex[:12]
    postgres = connection.capabilities.dialect == "postgres"
    for statement in REFUSE_POSTGRES if postgres else (REFUSE_SQLITE,):
        await connection.execute_script(statement.format(name=name, marker=profile["id"]))
    try:
        body = await gql.raw(
            """mutation($p: ID!) { redeem(input: {profileId: $p, amount: "4"})
            { redemption { id } errors { code } } }""",
            {"p": profile["id"]},
        )
    finally:
        await connection.execute_script(
            f"DROP TRIGGER {name}" + (" ON audit_entry" if postgres else "")
        )
        if postgres:
            await connection.execute_script(f"DROP FUNCTION {name}()")
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    book = await ledger(gql, profile["id"])
    assert (book["rewards"]["redeemed"], book["rewards"]["balance"]) == ("0.00", "10.00")
    done = await redeem(gql, profile["id"], "4")
    assert done["errors"] == []
    entries = (await gql(AUDIT, {"op": "redeem"}))["auditLog"]["nodes"]
    [entry] = [e for e in entries if profile["id"] in e["ids"]]
    assert (entry["outcome"], done["redemption"]["id"] in entry["ids"]) == ("OK", True)
