"""rvs/core/uploads.py and rvs/core/xlsx.py: the shared upload limits and the streamed XLSX reader."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from rvs.core.uploads import TooManyRows, UploadLimits, UploadRefused, check_csv, read_upload
from rvs.core.xlsx import xlsx_rows
from tests.security import hostile_files as hostile


def limits(**changes: Any) -> UploadLimits:
    values: dict[str, Any] = {
        "what": "file",
        "noun": "results",
        "verb": "imported",
        "max_bytes": 10_000_000,
        "max_rows": 100,
        "max_unpacked_bytes": 100_000_000,
        "max_unpack_ratio": 200,
        "max_columns": 256,
        "max_line_bytes": 1024,
        "max_xml_depth": 32,
    }
    return UploadLimits(**{**values, **changes})


def as_openpyxl_reads(data: bytes) -> list[list[Any]]:
    """openpyxl's values (read-only, cached formula results), each row without its trailing empty cells."""
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
        row = list(values)
        while row and row[-1] is None:
            row.pop()
        rows.append(row)
    return rows


class TestXlsxRows:
    def test_it_reads_what_openpyxl_reads_from_an_openpyxl_workbook(self) -> None:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["candidate_id", "score", "exam_date", "absent", "formula"])
        sheet.append(["ABC123456", 178.0, dt.datetime(2025, 6, 14), True, "=1+1"])
        sheet.append([None, 2.5, dt.date(2004, 3, 9), False, "Łódź\nAnnex"])
        sheet["F9"] = "far below"
        sheet["B11"] = dt.time(12, 30)
        sheet["C11"] = dt.timedelta(hours=30)
        out = io.BytesIO()
        workbook.save(out)
        assert list(xlsx_rows(out.getvalue(), limits())) == as_openpyxl_reads(out.getvalue())

    def test_it_reads_what_openpyxl_reads_from_an_xlsxwriter_workbook(self) -> None:
        out = io.BytesIO()
        workbook = xlsxwriter.Workbook(out, {"in_memory": True})
        sheet = workbook.add_worksheet()
        sheet.write_row(0, 0, ["ERN", "Name", "Date of birth"])
        sheet.write_row(1, 0, ["ABC", "Zoë"])
        sheet.write_datetime(1, 2, dt.datetime(2004, 3, 9), workbook.add_format({"num_format": "dd/mm/yyyy"}))
        sheet.write_rich_string(2, 1, "a", workbook.add_format({"bold": True}), "bold", "c")
        sheet.write_formula(3, 0, "=1+2", None, 3)
        sheet.write_number(4, 0, 12345)
        workbook.close()
        rows = list(xlsx_rows(out.getvalue(), limits()))
        assert rows == as_openpyxl_reads(out.getvalue())
        assert rows[1] == ["ABC", "Zoë", dt.datetime(2004, 3, 9)]

    def test_it_finds_the_workbook_and_its_sheet_by_their_relationships(self) -> None:
        rels = '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>'
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr(
                "_rels/.rels", rels.format('<Relationship Id="r" Type="x/officeDocument" Target="/wb/book.xml"/>')
            )
            archive.writestr(
                "wb/book.xml",
                f'<workbook xmlns="{hostile.MAIN}" xmlns:r="urn:r"><sheets><sheet r:id="s1"/></sheets></workbook>',
            )
            archive.writestr(
                "wb/_rels/book.xml.rels",
                rels.format('<Relationship Id="s1" Type="x/worksheet" Target="sheets/s.xml"/>'),
            )
            archive.writestr("wb/sheets/s.xml", hostile.sheet_xml(hostile.header_row("found")))
        assert list(xlsx_rows(out.getvalue(), limits())) == [["found"]]

    def test_it_gives_missing_rows_as_empty_ones_so_row_numbers_hold(self) -> None:
        data = hostile.dimension_bomb(50)
        rows = list(xlsx_rows(data, limits()))
        assert len(rows) == 50
        assert rows == [["ERN"], *[[]] * 48, ["X"]]

    def test_it_stops_at_the_row_limit_counting_empty_rows(self) -> None:
        read: list[list[Any]] = []
        rows = xlsx_rows(hostile.dimension_bomb(102), limits())
        read.append(next(rows))
        with pytest.raises(TooManyRows, match=r"more than 100 rows after its header \(row 102 holds data"):
            next(rows)  # the data row past the limit is met before the empty rows before it are given
        assert read == [["ERN"]]
        assert len(list(xlsx_rows(hostile.dimension_bomb(101), limits()))) == 101

    def test_it_ignores_formatted_empty_cells_and_rows_beyond_the_limits(self) -> None:
        rows = hostile.header_row() + '<row r="2"><c r="XFD2" s="0"/></row><row r="1048576"/>'
        assert list(xlsx_rows(hostile.workbook(hostile.sheet_xml(rows)), limits())) == [["ERN"]]

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (b"not a zip", "not a readable XLSX workbook: it is not a ZIP archive"),
            (
                hostile.deeply_nested(40),
                "nests its XML deeper than 32 levels (in xl/worksheets/sheet1.xml, element <x>)",
            ),
            (hostile.entity_bomb(), "declares a DOCTYPE in xl/worksheets/sheet1.xml"),
            (hostile.far_column(), "Cell XFD2 of the file is beyond column IV"),
            (hostile.workbook(b"<worksheet><sheetData><row>"), "xl/worksheets/sheet1.xml is not well-formed XML"),
            (
                hostile.workbook(hostile.sheet_xml('<row r="1"><c r="A1"><v>oops</v></c></row>')),
                "cell A1 holds 'oops', which its type does not allow",
            ),
        ],
        ids=["not a zip", "nested", "entities", "far column", "cut", "bad number"],
    )
    def test_it_says_what_is_wrong_and_where(self, data: bytes, message: str) -> None:
        with pytest.raises(UploadRefused) as caught:
            list(xlsx_rows(data, limits()))
        assert message in caught.value.messages[0]

    def test_it_never_unpacks_more_than_a_member_declares(self) -> None:
        data = hostile.lying_sizes(hostile.padded_sheet(40_000_000))  # 40 MB declared as 1,000 bytes
        with hostile.within(), pytest.raises(UploadRefused, match=r"sheet1\.xml is damaged"):
            list(xlsx_rows(data, limits()))

    def test_it_refuses_by_unpacked_size_and_ratio_before_unpacking(self) -> None:
        with pytest.raises(UploadRefused, match=r"would unpack to 40\.0 MB; at most 1\.0 MB can be imported"):
            list(xlsx_rows(hostile.padded_sheet(40_000_000), limits(max_unpacked_bytes=1_000_000)))
        with pytest.raises(UploadRefused, match="times its size; it cannot be a genuine file"):
            list(xlsx_rows(hostile.padded_sheet(40_000_000), limits()))


class TestCsv:
    def test_it_counts_every_line_after_the_header_empty_ones_too(self) -> None:
        assert check_csv(b"a\n" + b"\n" * 100, limits()) == 100
        assert check_csv(b"a\nb", limits()) == 1
        with pytest.raises(TooManyRows, match="The file has 101 lines after its header; at most 100 results"):
            check_csv(b"a\n" + b"\n" * 101, limits())

    def test_it_counts_lines_ended_by_a_carriage_return_alone(self) -> None:
        assert check_csv(b"a\r\nb\r\n", limits()) == 1
        with pytest.raises(TooManyRows, match="The file has 101 lines after its header"):
            check_csv(b"a\r" + b"x\r" * 101, limits())
        with pytest.raises(UploadRefused, match="Line 2 of the file is longer than 1024 bytes"):
            check_csv(b"a\r" + b"x" * 1025 + b"\r", limits())

    def test_it_refuses_a_line_over_the_limit_naming_it(self) -> None:
        check_csv(b"a\n" + b"x" * 1024 + b"\n" + b"y" * 1024, limits())
        with pytest.raises(UploadRefused, match="Line 3 of the file is longer than 1024 bytes"):
            check_csv(b"a\nb\n" + b"x" * 1025 + b"\nc\n", limits())


class TestReadUpload:
    def test_it_refuses_by_declared_size_before_reading(self) -> None:
        class Declared(io.BytesIO):
            size = 5000

            def read(self, *args: Any) -> bytes:
                raise AssertionError("read")

        with pytest.raises(UploadRefused, match=r"The file is 5\.0 kB; at most 1\.0 kB can be uploaded\."):
            read_upload(Declared(), max_bytes=1000)

    def test_it_never_reads_past_the_limit_whatever_the_size_says(self) -> None:
        handle = io.BytesIO(b"x" * 5000)
        with pytest.raises(UploadRefused, match=r"at most 1\.0 kB"):
            read_upload(handle, max_bytes=1000)
        assert handle.tell() == 1001
        assert read_upload(io.BytesIO(b"x" * 1000), max_bytes=1000) == b"x" * 1000


_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00") | st.sampled_from(" \n\t")
)
_VALUES = st.one_of(
    st.none(),
    _TEXT,
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)).map(
        lambda moment: moment.replace(microsecond=0)
    ),
)


class TestParity:
    @settings(max_examples=60, deadline=None)
    @given(cells=st.dictionaries(st.tuples(st.integers(1, 30), st.integers(1, 12)), _VALUES, max_size=40))
    def test_it_reads_what_openpyxl_reads(self, cells: dict[tuple[int, int], Any]) -> None:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        for (row, column), value in cells.items():
            sheet.cell(row=row, column=column, value=value)
        out = io.BytesIO()
        workbook.save(out)
        mine = list(xlsx_rows(out.getvalue(), limits()))
        theirs = as_openpyxl_reads(out.getvalue())
        while theirs and not theirs[-1]:
            theirs.pop()  # openpyxl also yields the empty rows the sheet declares after the last value
        assert mine == theirs
