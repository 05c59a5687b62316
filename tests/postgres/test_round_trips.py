"""The statements a redeem of the bench's shape sends to PostgreSQL: each one a round trip.
The audit entry and the event ride in one statement; the redemption is not read back."""

import logging

from tests.support import create_definition, create_profile, issue_reward


class Statements(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.sent: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().lstrip().upper()
        if message.startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
            self.sent.append(message)


async def test_a_redeem_is_five_statements_with_its_audit_entry_riding_on_its_event(gql):
    profile = await create_profile(gql)
    definition = await create_definition(gql, value="10", period=None)
    await issue_reward(gql, profile["id"], definition["id"])
    logger = logging.getLogger("tortoise.db_client")
    seen, previous = Statements(), logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(seen)
    try:
        data = await gql(
            """mutation($p: ID!) { redeem(input: {profileId: $p, amount: "1"})
            { redemption { id total } errors { code } } }""",
            {"p": profile["id"]},
        )
    finally:
        logger.removeHandler(seen)
        logger.setLevel(previous)
    assert data["redeem"]["errors"] == []
    mine = [s for s in seen.sent if "AUDIT_ENTRY" in s or profile["id"].upper() in s]
    audits = [s for s in mine if 'INSERT INTO "AUDIT_ENTRY"' in s]
    assert len(audits) == 1 and 'INSERT INTO "EVENT"' in audits[0], audits
    assert not [s for s in mine if s.startswith("SELECT") and 'FROM "REDEMPTION"' in s]
    assert len(mine) == 5, mine  # lock, lots, the write, the context, the event (+ audit)
