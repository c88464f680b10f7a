"""Declarative base and column helpers shared by every model module."""

from datetime import datetime
from typing import Annotated

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, MetaData, Table, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, mapped_column

# Stable constraint names so later Alembic migrations can refer to them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict: JSONB, list: JSONB}


IntPK = Annotated[int, mapped_column(BigInteger, primary_key=True, autoincrement=True)]
UUIDStr = Annotated[str, mapped_column(UUID(as_uuid=False), unique=True, nullable=False)]
Created = Annotated[
    datetime, mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
]
Modified = Annotated[
    datetime,
    mapped_column(DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False),
]


def link_table(name: str, left: tuple[str, str], right: tuple[str, str], index_right: bool = False) -> Table:
    """A many-to-many table of two foreign keys, both the primary key, each deleted with its row.
    `left`/`right` are (column, referenced table)."""
    (lcol, ltable), (rcol, rtable) = left, right
    return Table(
        name,
        Base.metadata,
        Column(lcol, BigInteger, ForeignKey(f"{ltable}.id", ondelete="CASCADE"), primary_key=True),
        Column(
            rcol,
            BigInteger,
            ForeignKey(f"{rtable}.id", ondelete="CASCADE"),
            primary_key=True,
            index=index_right,
        ),
    )
