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


def escape_controls(text: str) -> str:
    """`text` with control characters (a newline in a file name, say) shown as escapes, so a
    name cannot forge a line of a log."""
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii") for c in text)
