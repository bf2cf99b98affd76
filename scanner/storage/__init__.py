"""The inventory: one database, one API, used by the scan agent and the server alike.

SQLAlchemy Core over SQLite (default, instance/sponsorwatch.db) or PostgreSQL (DATABASE_URL); Alembic
migrations. The only code in the project that knows SQL. `Inventory(url)` opens (and migrates) it; its methods
come in four parts: the scan log an agent writes (scans.py), the per-site device inventory (sites.py),
access — tokens, dashboard users, the audit log and feedback (access.py) — and judged Prozorro tenders with the
tender watch's checkpoints (tenders.py).
"""

from __future__ import annotations

from scanner.storage.access import ROLES, USER_ROLES, Access
from scanner.storage.engine import database_url
from scanner.storage.scans import ScanLog
from scanner.storage.sites import STATUSES, ScanConflict, SiteInventory
from scanner.storage.tenders import TenderStore

__all__ = ["ROLES", "STATUSES", "USER_ROLES", "Inventory", "ScanConflict", "database_url"]


class Inventory(ScanLog, SiteInventory, Access, TenderStore):
    """The inventory database: `Inventory()` opens the default one, `Inventory(url)` any other."""
