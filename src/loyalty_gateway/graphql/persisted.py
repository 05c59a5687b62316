"""Apollo's automatic persisted queries (version 1): a client sends a query's SHA-256 instead
of its text; an unknown hash answers `PERSISTED_QUERY_NOT_FOUND`, the client sends text and
hash once, and from then on the hash alone. Queries are kept per process (an LRU); with
several processes a client may be asked for the text once per process, which costs a round
trip, never a wrong answer: the text is stored only when its hash matches and it passed
validation and the limits (`PERSISTED_QUERIES_MAX` of them per process)."""

import hashlib
from collections import OrderedDict

from graphql import GraphQLError
from strawberry.types import ExecutionContext

NOT_FOUND = "PersistedQueryNotFound"


class QueryStore:
    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._queries: OrderedDict[str, str] = OrderedDict()

    def get(self, digest: str) -> str | None:
        query = self._queries.get(digest)
        if query is not None:
            self._queries.move_to_end(digest)
        return query

    def put(self, digest: str, query: str) -> None:
        self._queries[digest] = query
        self._queries.move_to_end(digest)
        while len(self._queries) > self.maxsize:
            self._queries.popitem(last=False)

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
