"""Alembic migrations of every table in ``shebao.db.Base.metadata`` (see shebao/schema.py).

Kept inside the package so ``shebao db upgrade`` works from an installed wheel as well as from
the repository; ``alembic.ini`` at the repository root points here for ``alembic revision``.
"""
