"""What the run-store scripts share: reading rows out of a run store (SQLite) by SQL."""
import sqlite3


def rows(db, sql, *args):
    """All rows of `sql` (with `args` bound) in the store at `db`."""
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()
