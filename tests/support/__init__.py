"""Test support: real Postgres and Redis, servers started by the tests themselves."""
