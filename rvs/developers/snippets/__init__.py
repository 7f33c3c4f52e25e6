"""Code shown on the API Developer Portal, kept as real modules so ruff, mypy and the tests check it."""
