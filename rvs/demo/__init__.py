"""Demo data for trying the service and for benchmarks: see ``seed.py`` and ``manage.py seed_demo``."""
