"""loyalty-gateway: a loyalty and incentives service with a GraphQL API."""

__version__ = "0.1.0"
