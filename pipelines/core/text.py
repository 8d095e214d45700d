"""Small text helpers shared by the layers: one-line messages and SQL literals."""


def one_line(value: object, limit: int = 300) -> str:
    """`value` as one line of at most `limit` characters (for one-line errors)."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sql_literal(text: str) -> str:
    """A SQL string literal (DuckDB statements that take no parameters, e.g. ATTACH, COPY TO)."""
    return "'" + text.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
