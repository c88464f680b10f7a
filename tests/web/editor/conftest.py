from tests.web.ui.helpers import admin, site

__all__ = ["admin", "site"]
