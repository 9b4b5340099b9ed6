"""The whole schema in one MetaData: what Alembic compares the migrations with.

Tables are declared beside the code that uses them (tables.py, tokens.py, regressions.py); a
table registers on `Base` when its module is imported, so every such module is imported here.
"""

from __future__ import annotations

from benchsvc.storage import regressions, tables, tokens

TABLE_MODULES = (tables, tokens, regressions)
metadata = tables.Base.metadata
