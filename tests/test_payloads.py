"""Each mutation has a payload type of its own, named after it, so a field added to one
mutation's result never appears on another's (and splitting them later would break every
client's cache and fragments)."""

from graphql import get_named_type

from tests.support import built_schema


def test_every_mutation_returns_its_own_payload_named_after_it():
    mutations = built_schema()._schema.mutation_type.fields
    payloads = {name: get_named_type(field.type).name for name, field in mutations.items()}
    misnamed = {
        name: payload
        for name, payload in payloads.items()
        if payload != name[0].upper() + name[1:] + "Payload"
    }
    assert misnamed == {}
    assert len(set(payloads.values())) == len(payloads)
