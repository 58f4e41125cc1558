"""``db.overview`` names columns on light table clauses instead of importing the models (so
``duban status`` starts quickly); every column it names must be a column of that model's table."""

from __future__ import annotations

import pytest
from sqlalchemy.sql import TableClause
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers the tables)
from db import overview


@pytest.mark.parametrize("clause", overview.TABLES, ids=lambda t: t.name)
def test_every_column_named_is_a_column_of_the_model(clause: TableClause) -> None:
    model = SQLModel.metadata.tables[clause.name]
    for column in clause.columns:
        assert column.name in model.c, f"{clause.name}.{column.name}"
        # the same kind of type, so results are read the same way (a date as a date, JSON as JSON)
        assert column.type._type_affinity is model.c[column.name].type._type_affinity, column.name
