"""A batch transform's records: split from an input file, batched into requests, and the
model's answers turned back into output records (DataProcessing's filters and join).

SageMaker's contract: SplitType `Line` makes each non-empty line a record, `None` the whole
file; BatchStrategy `MultiRecord` packs as many records into one request as fit in
MaxPayloadInMB and expects one output line per record back. A CSV record is seen as a JSON
array of its fields, a JSON (Lines) record as the document it holds.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

JSON_TYPES = ("application/json", "application/jsonlines", "application/x-jsonlines")
_ROW = re.compile(r"^Row (\d+)(?:, |: | )")  # the model server's "Row 3, column 2: ..."


class RecordError(Exception):
    """A record the job cannot send or whose answer it cannot use; fails the job."""

    def __init__(self, message: str, number: int | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.number = number  # the record's number within its file, from 1
        self.line = line  # its line number, when it differs from the record number

    def where(self) -> str:
        """`record 3` or `record 3 (line 5)`; empty when no record is known."""
        if self.number is None:
            return ""
        line = f" (line {self.line})" if self.line and self.line != self.number else ""
        return f"record {self.number}{line}"


@dataclass(frozen=True, slots=True)
class Record:
    """One record: its place in the file, what the file holds and what is sent."""

    number: int
    line: int
    source: bytes
    data: bytes


def media(header: str | None) -> str:
    """`text/csv; charset=utf-8` -> `text/csv` (empty for none)."""
    return (header or "").split(";")[0].strip().lower()


# ------------------------------------------------------------------------------ JSONPath


class JsonPath:
    """The JSONPath subset of DataProcessing filters: `$`, `.name`, `['a','b']`, `[i]`,
    `[i,j,...]`, `[a:b]` (open ends, negative indexes) and `*`. A multi-valued step must be
    the last one (we do not map steps over selected lists)."""

    _STEP = re.compile(r"\.(?P<name>[A-Za-z_][\w-]*)|\.\*|\[(?P<inner>[^\]]*)\]")
    _ARRAY_KINDS = ("index", "indexes", "slice", "all")

    def __init__(self, text: str | None, what: str) -> None:
        self.text = (text or "$").strip() or "$"
        self.what = what
        if not self.text.startswith("$"):
            raise ValueError(f"{what} {self.text!r} must start with $ (e.g. $, $[1:], $.features)")
        self.steps: list[tuple[str, Any]] = []
        position = 1
        while position < len(self.text):
            match = self._STEP.match(self.text, position)
            if match is None:
                raise ValueError(
                    f"{what} {self.text!r}: cannot read {self.text[position:]!r}; "
                    "use $, $.name, $['name'], $[0], $[0,2], $[1:] or $[-1]"
                )
            self.steps.append(self._step(match))
            position = match.end()
        multi = [i for i, (kind, _) in enumerate(self.steps) if kind not in ("key", "index")]
        if multi and multi[0] != len(self.steps) - 1:
            raise ValueError(
                f"{what} {self.text!r}: a list selection ([a:b], [i,j], *) is "
                "supported as the last step only"
            )

    def _step(self, match: re.Match) -> tuple[str, Any]:
        if match["name"]:
            return "key", match["name"]
        inner = (match["inner"] or "").strip() if match["inner"] is not None else "*"
        if inner == "*":
            return "all", None
        parts = [p.strip() for p in inner.split(",")]
        if all(len(p) >= 2 and p[0] == p[-1] and p[0] in "'\"" for p in parts):
            names = [p[1:-1] for p in parts]
            return ("key", names[0]) if len(names) == 1 else ("keys", names)
        try:
            if ":" in inner:
                bounds = [int(b) if b.strip() else None for b in inner.split(":")]
                if len(bounds) != 2:
                    raise ValueError
                return "slice", tuple(bounds)
            numbers = [int(p) for p in parts]
        except ValueError:
            raise ValueError(
                f"{self.what} {self.text!r}: [{inner}] is neither indexes, a "
                "slice a:b nor quoted names"
            ) from None
        return ("index", numbers[0]) if len(numbers) == 1 else ("indexes", numbers)

    @property
    def identity(self) -> bool:
        return not self.steps

    def check_csv(self) -> None:
        """A CSV record is one array: SageMaker accepts only array-index forms for it."""
        if len(self.steps) > 1 or any(k not in self._ARRAY_KINDS for k, _ in self.steps):
            raise ValueError(
                f"{self.what} {self.text!r}: a CSV record is an array of fields; "
                "use $, $[i], $[i,j,...] or $[a:b]"
            )

    def fields(self, fields: list[str]) -> list[str]:
        """The selected fields of a CSV record (always a list)."""
        selected = self.select(fields)
        return selected if isinstance(selected, list) else [selected]

    def select(self, value: Any) -> Any:
        """Apply the path to a parsed JSON value; RecordError when it does not fit."""
        for kind, argument in self.steps:
            value = self._apply(kind, argument, value)
        return value

    def _apply(self, kind: str, argument: Any, value: Any) -> Any:
        if kind in ("key", "keys"):
            names = [argument] if kind == "key" else argument
            if not isinstance(value, dict):
                raise RecordError(
                    f"{self.what} {self.text}: names a key, but the record is "
                    f"not a JSON object here"
                )
            missing = [n for n in names if n not in value]
            if missing:
                raise RecordError(f"{self.what} {self.text}: the record has no key {missing[0]!r}")
            return value[argument] if kind == "key" else {n: value[n] for n in names}
        if kind == "all":
            return list(value.values()) if isinstance(value, dict) else list(value)
        if not isinstance(value, list):
            raise RecordError(
                f"{self.what} {self.text}: indexes an array, but the record is not an array here"
            )
        if kind == "slice":
            return value[argument[0] : argument[1]]
        indexes = [argument] if kind == "index" else argument
        for index in indexes:
            if not -len(value) <= index < len(value):
                raise RecordError(
                    f"{self.what} {self.text}: index {index} is out of range "
                    f"for a record of {len(value)} fields"
                )
        return value[argument] if kind == "index" else [value[i] for i in indexes]


# ------------------------------------------------------------------------------ filters


class DataProcessing:
    """A job's DataProcessing: InputFilter before the request, JoinSource and OutputFilter
    on each output record. JSON when the content type (Accept for answers) says so, else CSV."""

    def __init__(self, config: dict | None, content_type: str | None, accept: str | None) -> None:
        config = config or {}
        self.input_filter = JsonPath(config.get("InputFilter"), "InputFilter")
        self.output_filter = JsonPath(config.get("OutputFilter"), "OutputFilter")
        join = config.get("JoinSource") or "None"
        if join not in ("None", "Input"):
            raise ValueError(f"JoinSource {join!r} is not valid; use Input or None")
        self.join = join == "Input"
        self.json_input = media(content_type) in JSON_TYPES
        self.json_output = media(accept) in JSON_TYPES
        if not self.json_input:
            self.input_filter.check_csv()
        if not (self.json_input if self.join else self.json_output):
            self.output_filter.check_csv()

    @property
    def per_record(self) -> bool:
        """Whether each answer must be split into records (a join or an output filter)."""
        return self.join or not self.output_filter.identity

    def prepare(self, source: bytes) -> bytes:
        """What is sent for a record: the record through InputFilter."""
        if self.input_filter.identity:
            return source
        if self.json_input:
            return _json_bytes(self.input_filter.select(_json_value(source, "input record")))
        return _csv_bytes(self.input_filter.fields(_csv_fields(source, "input record")))

    def finish(self, source: bytes, answer: bytes) -> bytes:
        """One output record: the answer, joined with the input when asked, filtered."""
        if self.json_input if self.join else self.json_output:
            return _json_bytes(self.output_filter.select(self._json_joined(source, answer)))
        fields = _csv_fields(source, "input record") if self.join else []
        if self.json_output:  # a JSON answer joined to a CSV record: one more field
            fields.append(answer.decode("utf-8", errors="replace"))
        else:
            fields += _csv_fields(answer, "output record")
        return _csv_bytes(self.output_filter.fields(fields))

    def _json_joined(self, source: bytes, answer: bytes) -> Any:
        if self.json_output:
            output = _json_value(answer, "output record")
        else:
            cells = [_scalar(cell) for cell in _csv_fields(answer, "output record")]
            output = cells[0] if len(cells) == 1 else cells
        if not self.join:
            return output
        record = _json_value(source, "input record")
        if isinstance(record, dict):  # SageMaker adds the answer as a key of the input...
            return {**record, "SageMakerOutput": output}
        return {"SageMakerInput": record, "SageMakerOutput": output}  # ...or wraps both


def _csv_fields(data: bytes, what: str) -> list[str]:
    text = data.decode("utf-8", errors="replace").strip("\r\n")
    if "\n" in text:
        raise RecordError(
            f"the {what} spans several lines; filters and joins on CSV need one "
            "record per line (SplitType Line)"
        )
    return next(csv.reader([text]), [])


def _csv_bytes(fields: list[Any]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(fields)
    return buffer.getvalue().encode()


def _json_value(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except ValueError as error:
        raise RecordError(f"the {what} is not JSON ({error})") from None


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _scalar(cell: str) -> Any:
    """A CSV answer's cell as JSON: numbers stay numbers."""
    try:
        return json.loads(cell)
    except ValueError:
        return cell


# ------------------------------------------------------------------------------ records


def read_records(
    stream: BinaryIO, split_type: str, processing: DataProcessing, limit: int
) -> Iterator[Record]:
    """The file's records with what is sent for each (SplitType Line or None)."""
    if split_type == "None":
        data = stream.read(limit + 1)
        if len(data) > limit:
            raise RecordError(
                f"the whole file is one record (SplitType None) and is over "
                f"{limit_text(limit)}; use SplitType Line, or raise "
                "MaxPayloadInMB (up to 100)",
                1,
                1,
            )
        if data.strip():
            yield _record(1, 1, data, processing)
        return
    number = 0
    for line_number, raw in enumerate(stream, start=1):
        line = raw.rstrip(b"\r\n")
        if not line.strip():
            continue
        number += 1
        yield _record(number, line_number, line, processing)


def limit_text(limit: int) -> str:
    """`MaxPayloadInMB (1 MB = 1,048,576 bytes)`."""
    return f"MaxPayloadInMB ({limit >> 20} MB = {limit:,} bytes)"


def _record(number: int, line: int, source: bytes, processing: DataProcessing) -> Record:
    try:
        return Record(number, line, source, processing.prepare(source))
    except RecordError as error:
        raise RecordError(error.message, number, line) from None


def batches(
    records: Iterable[Record], multi: bool, limit: int, newline: bool = True
) -> Iterator[list[Record]]:
    """Requests: one record each, or (MultiRecord) as many as fit in `limit` bytes."""
    batch: list[Record] = []
    size = 0
    for record in records:
        needed = len(record.data) + newline
        if needed > limit:
            raise RecordError(
                f"{len(record.data):,} bytes, over {limit_text(limit)}; raise "
                "MaxPayloadInMB (up to 100) or make the records smaller",
                record.number,
                record.line,
            )
        if batch and (not multi or size + needed > limit):
            yield batch
            batch, size = [], 0
        batch.append(record)
        size += needed
    if batch:
        yield batch


def request_body(batch: list[Record], split_type: str) -> bytes:
    """Records of one request: newline-terminated lines, or a whole file as it is."""
    if split_type == "None":
        return batch[0].data
    return b"".join(record.data + b"\n" for record in batch)


# ------------------------------------------------------------------------------ answers


def blame(batch: list[Record], message: str) -> tuple[Record | None, str]:
    """The record an error answer is about (the server's `Row n` counts the request's
    lines) and the message without that row number; None when it may be any of them."""
    match = _ROW.match(message)
    if match and 1 <= int(match[1]) <= len(batch):
        return batch[int(match[1]) - 1], message[match.end() :]
    if len(batch) == 1:
        return batch[0], message
    return None, f"records {batch[0].number}-{batch[-1].number}: {message}"


def split_answer(body: bytes, count: int, accept: str | None) -> list[bytes] | None:
    """One answer per record, or None when the answer does not hold `count` of them: a JSON
    document's list (or its one list-valued key), else one line per record."""
    if count == 1:
        return [body.strip(b"\r\n")]
    if media(accept) == "application/json":
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if isinstance(document, dict) and len(document) == 1:
            document = next(iter(document.values()))
        if isinstance(document, list):
            return [_json_bytes(item) for item in document] if len(document) == count else None
    lines = [line.rstrip(b"\r") for line in body.rstrip(b"\r\n").split(b"\n")] if body else []
    return lines if len(lines) == count else None


def output_chunk(
    batch: list[Record],
    body: bytes,
    accept: str | None,
    processing: DataProcessing,
    line_ended: bool,
) -> bytes:
    """What the answer to `batch` adds to the .out file (AssembleWith Line: newline-ended)."""
    ending = b"\n" if line_ended else b""
    json_document = media(accept) == "application/json"
    if not processing.per_record and (len(batch) == 1 or json_document):
        return body if not line_ended or body.endswith(b"\n") else body + ending
    answers = split_answer(body, len(batch), accept)
    if answers is None:
        lines = body.rstrip(b"\r\n").count(b"\n") + 1 if body.strip() else 0
        first, last = batch[0].number, batch[-1].number
        raise RecordError(
            f"records {first}-{last}: the model answered {lines} line(s) for "
            f"{len(batch)} records; with BatchStrategy MultiRecord it must answer "
            "one line per record (or use BatchStrategy SingleRecord)"
        )
    if not processing.per_record:
        return b"".join(answer + ending for answer in answers) if line_ended else body
    out = []
    for record, answer in zip(batch, answers, strict=True):
        try:
            out.append(processing.finish(record.source, answer) + ending)
        except RecordError as error:
            raise RecordError(error.message, record.number, record.line) from None
    return b"".join(out)
