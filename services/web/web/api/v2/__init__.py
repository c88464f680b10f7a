"""RapidPro API v2, served at /api/v2/."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v2")
