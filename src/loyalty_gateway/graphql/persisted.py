"""Apollo's automatic persisted queries (version 1): a client sends a query's SHA-256 instead
of its text; an unknown hash answers `PERSISTED_QUERY_NOT_FOUND`, the client sends text and
hash once, and from then on the hash alone. Queries are kept per process (an LRU); with
several processes a client may be asked for the text once per process, which costs a round
trip, never a wrong answer: the text is stored only when its hash matches and it passed
validation and the limits. A process keeps at most `PERSISTED_QUERIES_MAX` of them and
`PERSISTED_QUERIES_MAX_BYTES` of text, and never a document over `CACHEABLE_QUERY_BYTES`:
the token limit does not bound a document's size (comments, white space and long strings
are cheap in tokens), and any caller may store one."""

import hashlib
from collections import OrderedDict

from graphql import GraphQLError
from strawberry.types import ExecutionContext

NOT_FOUND = "PersistedQueryNotFound"


CACHEABLE_QUERY_BYTES = 32_768
"""The largest document kept by any cache (persisted queries, parsed and validated
documents). GraphiQL's introspection query is about 2 KB; larger ones are parsed again on
every request instead of held in memory."""


class QueryStore:
    def __init__(self, maxsize: int, max_bytes: int) -> None:
        self.maxsize = maxsize
        self.max_bytes = max_bytes
        self.size = 0
        self._queries: OrderedDict[str, str] = OrderedDict()

    def get(self, digest: str) -> str | None:
        query = self._queries.get(digest)
        if query is not None:
            self._queries.move_to_end(digest)
        return query

    def put(self, digest: str, query: str) -> None:
        if len(query) > CACHEABLE_QUERY_BYTES or len(query) > self.max_bytes:
            return
        previous = self._queries.pop(digest, None)
        self.size += len(query) - len(previous or "")
        self._queries[digest] = query
        while len(self._queries) > self.maxsize or self.size > self.max_bytes:
            _, dropped = self._queries.popitem(last=False)
            self.size -= len(dropped)

    def fill_in(self, context: ExecutionContext) -> str | None:
        """Before parsing: put in the text of a hash-only request. Returns the digest to
        keep the text under when the client sent both (kept by `keep`, once it passed)."""
        persisted = (context.operation_extensions or {}).get("persistedQuery")
        if persisted is None:
            return None
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            raise _refuse("Only persisted query version 1 is supported", "BAD_USER_INPUT")
        if not isinstance(digest, str):
            raise _refuse("persistedQuery.sha256Hash must be a string", "BAD_USER_INPUT")
        if context.query:
            if hashlib.sha256(context.query.encode()).hexdigest() != digest.lower():
                raise _refuse("provided sha does not match query", "INVALID_PERSISTED_QUERY")
            return digest.lower()
        query = self.get(digest.lower())
        if query is None:
            raise _refuse(NOT_FOUND, "PERSISTED_QUERY_NOT_FOUND")
        context.query = query
        return None

    def keep(self, context: ExecutionContext, digest: str | None) -> None:
        """Only a query that parsed and passed validation and the limits is kept."""
        if digest is not None and not context.pre_execution_errors and context.query:
            self.put(digest, context.query)


def _refuse(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})
