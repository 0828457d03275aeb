"""Splitting a T-SQL script into statements: on `;` and on `GO` lines.

Strings ('...', N'...'), quoted and bracketed identifiers ("...", [...]), line and (nested)
block comments are respected. A BEGIN ... END block (and CASE ... END) stays one statement,
so `IF ... BEGIN a; b; END` is never cut in the middle. Statements holding only whitespace
and comments are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_GO_LINE = re.compile(r"[ \t]*GO(?:[ \t]+\d+)?[ \t]*(?:--[^\n]*)?(?:\n|$)", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z_@#][A-Za-z0-9_@#$]*")
# BEGIN followed by one of these words opens no block.
_NOT_A_BLOCK = {"TRAN", "TRANSACTION", "DISTRIBUTED", "DIALOG", "CONVERSATION"}


@dataclass(frozen=True)
class Statement:
    text: str  # stripped statement, without its terminating `;`
    line: int  # 1-based line of the statement's first character in the script


def split_statements(sql: str) -> list[str]:
    """The statements of a T-SQL script, in order, without terminators; empty ones dropped."""
    return [s.text for s in scan_statements(sql)]


def scan_statements(sql: str) -> list[Statement]:
    """Like split_statements, with the line each statement starts on."""
    return _Scanner(sql).run()


class _Scanner:
    def __init__(self, sql: str):
        self.sql = sql
        self.pos = 0
        self.start = 0  # start of the current chunk
        self.has_code = False
        self.depth = 0  # BEGIN/CASE ... END nesting
        self.pending_begin = False
        self.out: list[Statement] = []

    def run(self) -> list[Statement]:
        sql, n = self.sql, len(self.sql)
        at_line_start = True
        while self.pos < n:
            if at_line_start and self.depth == 0 and (m := _GO_LINE.match(sql, self.pos)):
                self._flush(self.pos)
                self.pos = self.start = m.end()
                continue
            ch = sql[self.pos]
            two = sql[self.pos : self.pos + 2]
            at_line_start = False
            if two == "--":
                end = sql.find("\n", self.pos)
                self.pos = n if end < 0 else end
            elif two == "/*":
                self._skip_block_comment()
            elif ch in "'\"[":
                self._code()
                self._skip_quoted({"'": "'", '"': '"', "[": "]"}[ch])
            elif ch == ";" and self.depth == 0:
                self._flush(self.pos)
                self.pos += 1
                self.start = self.pos
            elif ch == "\n":
                self.pos += 1
                at_line_start = True
            elif m := _WORD.match(sql, self.pos):
                self._code()
                self._word(m.group().upper())
                self.pos = m.end()
            else:
                if not ch.isspace():
                    self._code()
                self.pos += 1
        self._flush(n)
        return self.out

    def _code(self) -> None:
        self.has_code = True

    def _word(self, word: str) -> None:
        if self.pending_begin:
            self.pending_begin = False
            if word not in _NOT_A_BLOCK:
                self.depth += 1
        if word == "BEGIN":
            self.pending_begin = True
        elif word == "CASE":
            self.depth += 1
        elif word == "END" and self.depth > 0:
            self.depth -= 1

    def _skip_quoted(self, close: str) -> None:
        sql, i = self.sql, self.pos + 1
        while i < len(sql):
            if sql[i] == close:
                if sql[i + 1 : i + 2] == close:  # doubled quote: an escaped one
                    i += 2
                    continue
                self.pos = i + 1
                return
            i += 1
        self.pos = len(sql)  # unterminated: the rest is one literal (sqlglot will complain)

    def _skip_block_comment(self) -> None:
        sql, i, level = self.sql, self.pos + 2, 1
        while i < len(sql) and level:
            if sql.startswith("/*", i):
                level, i = level + 1, i + 2
            elif sql.startswith("*/", i):
                level, i = level - 1, i + 2
            else:
                i += 1
        self.pos = i

    def _flush(self, end: int) -> None:
        chunk = self.sql[self.start : end]
        if self.has_code:
            lead = len(chunk) - len(chunk.lstrip())
            line = self.sql.count("\n", 0, self.start + lead) + 1
            self.out.append(Statement(chunk.strip(), line))
        self.has_code = False
        self.pending_begin = False
        self.depth = 0
