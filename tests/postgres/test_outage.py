"""A database outage: every request gets a JSON GraphQL error with code SERVICE_UNAVAILABLE
and Retry-After, and the service answers again as soon as the database is back.

The outage is a TCP proxy between `serve` and PostgreSQL that cuts every connection and
refuses new ones, as a network partition or a database restart would."""

import asyncio
import contextlib
import time

import httpx

from tests.postgres.test_processes import TOKEN, cluster
from tests.support import free_port

QUERY = "{ profiles(first: 1) { totalCount } }"


class Proxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.down = False
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        self.writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        self.writers -= {writer, up_writer}

    def cut(self) -> None:
        self.down = True
        for writer in list(self.writers):
            writer.transport.abort()

    async def stop(self) -> None:
        self.cut()
        self.server.close()


async def ask(client: httpx.AsyncClient, url: str, token: str) -> httpx.Response:
    return await client.post(
        url, json={"query": QUERY}, headers={"Authorization": f"Bearer {token}"}
    )


async def test_an_outage_answers_service_unavailable_and_recovery_is_prompt():
    async with cluster() as running:
        proxy = Proxy(int(running.database_url.split(":")[-1].split("/")[0]))
        await proxy.start()
        try:
            running.database_url = running.database_url.replace(
                f":{proxy.upstream_port}/", f":{proxy.port}/"
            )
            await running.start("serve", "Uvicorn running", TOKEN_CACHE_SECONDS="0")
            created = await running.gql(
                """mutation { createApiToken(input: {name: "outage",
                scopes: [PROFILES_READ]}) { token } }"""
            )
            stored = created["createApiToken"]["token"]
            url = f"http://127.0.0.1:{running.port}/graphql"
            async with httpx.AsyncClient(timeout=10) as client:
                assert (await ask(client, url, stored)).json()["data"]["profiles"]
                proxy.cut()
                answers = []
                deadline = time.monotonic() + 3
                while time.monotonic() < deadline:
                    for token in (stored, TOKEN):
                        answers.append(await ask(client, url, token))
                    await asyncio.sleep(0.05)
                for response in answers:
                    body = response.json()
                    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE", body
                    assert response.headers["retry-after"] == "1"
                    assert response.status_code in (200, 503)
                assert {r.status_code for r in answers} == {503, 200}  # token lookup, execution
                proxy.down = False
                restored = time.monotonic()
                for _ in range(100):
                    responses = [await ask(client, url, t) for t in (stored, TOKEN)]
                    if all("errors" not in r.json() for r in responses):
                        break
                    await asyncio.sleep(0.1)
                assert all("errors" not in r.json() for r in responses)
                print(
                    f"{len(answers)} requests during the outage; answering again after "
                    f"{time.monotonic() - restored:.2f}s"
                )
        finally:
            await proxy.stop()
