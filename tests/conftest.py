"""Fixtures for every test: a real PostgreSQL and a real Redis, found or started once per run."""

pytest_plugins = ["tests.harness.postgres", "tests.harness.redis", "tests.harness.embedded"]
