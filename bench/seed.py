"""Seed a benchmark database: profiles with rewards (some expired) and points, by COPY."""

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

REWARDS_PER_PROFILE = 5


async def seed(dsn: str, profiles: int, seed_value: int = 7) -> list[str]:
    rng = random.Random(seed_value)
    now = datetime.now(UTC)
    connection = await asyncpg.connect(dsn)
    try:
        definition = uuid.uuid4()
        await connection.execute(
            """INSERT INTO reward_definition (id, name, handle, value_cents, type, period,
            period_type, is_assignable, is_extendable, is_reassignable, is_published, tags,
            created_at, updated_at) VALUES ($1, 'Bench reward', 'bench-reward', 1000, 'fixed',
            30, 'days', true, false, false, true, '[]', now(), now())""",
            definition,
        )
        ids = [uuid.uuid4() for _ in range(profiles)]
        await connection.copy_records_to_table(
            "profile",
            columns=[
                "id",
                "email",
                "email_normalized",
                "first_name",
                "last_name",
                "tags",
                "created_at",
                "updated_at",
            ],
            records=[
                (
                    pid,
                    f"bench{i}@example.com",
                    f"bench{i}@example.com",
                    "Bench",
                    f"P{i}",
                    "[]",
                    now - timedelta(seconds=profiles - i),
                    now,
                )
                for i, pid in enumerate(ids)
            ],
        )
        rewards = []
        for pid in ids:
            for index in range(REWARDS_PER_PROFILE):
                expired = index == 0 and rng.random() < 0.5
                issued = now - timedelta(days=rng.randint(1, 200))
                expires = (
                    now - timedelta(days=1)
                    if expired
                    else now + timedelta(days=rng.randint(1, 400))
                )
                value = rng.choice([500, 1000, 2000, 5000])
                rewards.append(
                    (
                        uuid.uuid4(),
                        definition,
                        pid,
                        value,
                        value,
                        value,
                        "fixed",
                        "UTC",
                        issued,
                        expires,
                        issued,
                    )
                )
        await connection.copy_records_to_table(
            "reward",
            columns=[
                "id",
                "definition_id",
                "profile_id",
                "value_initial_cents",
                "value_remaining_cents",
                "value_at_issue_cents",
                "type",
                "timezone",
                "issued_at",
                "expires_at",
                "created_at",
            ],
            records=rewards,
        )
        await connection.copy_records_to_table(
            "point_lot",
            columns=[
                "id",
                "profile_id",
                "points_initial",
                "points_remaining",
                "timezone",
                "issued_at",
                "created_at",
            ],
            records=[(uuid.uuid4(), pid, 1500, 1500, "UTC", now, now) for pid in ids],
        )
        await connection.execute(
            "INSERT INTO program_settings (id, points_to_dollars_rate, default_timezone, "
            "updated_at) VALUES (1, 0.01, 'UTC', now()) ON CONFLICT (id) DO NOTHING"
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return [str(pid) for pid in ids]


if __name__ == "__main__":
    import sys

    asyncio.run(seed(sys.argv[1], int(sys.argv[2])))
