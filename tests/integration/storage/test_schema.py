"""The schema: migrations match the tables, and the database enforces what it must."""

from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from recoup.storage import tables as t
from recoup.storage.migrate import current_revision, head_revision
from tests.conftest import DatabaseUnderTest

NOW = datetime(2026, 11, 20, 15, tzinfo=UTC)


async def test_migrations_build_exactly_the_declared_schema(database: DatabaseUnderTest) -> None:
    assert await current_revision(database.engine) == head_revision()
    async with database.engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), t.metadata)
        )
    assert diff == []


async def test_disposition_codes_and_issue_buckets_are_seeded(database: DatabaseUnderTest) -> None:
    async with database.engine.connect() as c:
        buckets = set((await c.execute(select(t.issue_bucket.c.name))).scalars())
        conversations = set(
            (
                await c.execute(
                    select(t.disposition_code.c.code).where(t.disposition_code.c.conversation)
                )
            ).scalars()
        )
    assert buckets == {"sales", "service", "accounts", "project", "other"}
    assert conversations == {"promise_to_pay", "dispute", "callback", "refused", "paid"}


async def test_times_come_back_as_the_same_utc_instant(database: DatabaseUnderTest) -> None:
    async with database.engine.begin() as c:
        await c.execute(
            insert(t.campaign).values(id="c", name="c", config={"a": 1}, created_at=NOW)
        )
        stored = (await c.execute(select(t.campaign.c.created_at))).scalar_one()
    assert stored == NOW
    assert stored.tzinfo is not None


async def test_a_naive_time_is_refused(database: DatabaseUnderTest) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with database.engine.begin() as c:
            await c.execute(
                insert(t.campaign).values(
                    id="c", name="c", config={}, created_at=datetime(2026, 1, 1)
                )
            )


async def test_a_negative_balance_is_refused_by_the_database(database: DatabaseUnderTest) -> None:
    async with database.engine.begin() as c:
        await c.execute(
            insert(t.debtor).values(
                id="d",
                first_name="A",
                last_name="B",
                timezone="UTC",
                timezone_source="default",
                created_at=NOW,
            )
        )
        await c.execute(insert(t.account).values(id="a", debtor_id="d", created_at=NOW))
    with pytest.raises(IntegrityError):
        async with database.engine.begin() as c:
            await c.execute(
                insert(t.debt).values(
                    id="x",
                    account_id="a",
                    original_minor=1,
                    balance_minor=-1,
                    currency="USD",
                    due_date=date(2026, 1, 1),
                )
            )
