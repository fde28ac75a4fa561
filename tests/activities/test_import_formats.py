"""The format dispatcher: content and name must agree; gzip is capped; empty and unknown files are refused."""

from __future__ import annotations

import gzip
import io
import zipfile

import pytest
from test_import_fixtures import XML_BOMB, gpx_run, gz, tcx_run

from calfcare.activities.formats import detect_format, expand, parse_bytes, split_name
from calfcare.errors import CorruptFile, UnsafeFile, UnsupportedFormat

FIT_HEADER = bytes([14, 0x20, 0, 0, 0, 0, 0, 0]) + b".FIT" + b"\x00\x00"


def test_names_split_into_the_activity_extension_and_gzip() -> None:
    assert split_name("export/activities/123.FIT.gz") == ("fit", True)
    assert split_name("run.gpx") == ("gpx", False)
    assert split_name("README") == ("", False)


def test_the_content_decides_fit_gpx_and_tcx() -> None:
    assert detect_format("a.fit", FIT_HEADER) == "fit"
    assert detect_format("a.gpx", gpx_run(seconds=5)) == "gpx"
    assert detect_format("a.tcx", tcx_run(seconds=5)) == "tcx"


def test_a_bom_leading_whitespace_comments_and_utf16_do_not_hide_the_root_element() -> None:
    body = b'<?xml version="1.0"?>\n<!-- exported -->\n<gpx version="1.1"></gpx>'
    assert detect_format("a.gpx", b"\xef\xbb\xbf" + body) == "gpx"
    assert detect_format("a.gpx", b"  \r\n\t" + body) == "gpx"
    assert detect_format("a.gpx", "\ufeff<gpx></gpx>".encode("utf-16-le")) == "gpx"


def test_a_gpx_named_fit_is_refused_with_the_extension_it_should_have() -> None:
    with pytest.raises(
        UnsupportedFormat, match=r"wrong extension: named \.fit but the content is GPX.*rename it to \.gpx"
    ):
        detect_format("run.fit", gpx_run(seconds=5))


def test_a_fit_file_named_txt_is_refused_as_a_wrong_extension() -> None:
    with pytest.raises(UnsupportedFormat, match=r"named \.txt but the content is FIT"):
        detect_format("run.txt", FIT_HEADER)


def test_content_that_is_none_of_the_formats_is_an_unknown_format() -> None:
    with pytest.raises(UnsupportedFormat, match=r"unknown format: named \.gpx but the content is not GPX"):
        detect_format("a.gpx", b"<kml><Document/></kml>")
    with pytest.raises(UnsupportedFormat, match="unknown format"):
        detect_format("notes.txt", b"hello")


def test_a_fit_shorter_than_its_header_is_truncated() -> None:
    with pytest.raises(CorruptFile, match="truncated FIT file: 5 bytes"):
        detect_format("a.fit", b"\x0e\x10\x00\x00\x00")


def test_entity_declarations_are_refused_as_unsafe_before_any_parser_sees_them() -> None:
    with pytest.raises(UnsafeFile, match="entity declarations are not allowed"):
        detect_format("bomb.gpx", XML_BOMB)


def test_an_empty_file_is_corrupt() -> None:
    with pytest.raises(CorruptFile, match="empty file"):
        expand(b"", name="a.fit")
    with pytest.raises(CorruptFile, match="empty file"):
        expand(gz(b""), name="a.fit.gz")


def test_gzip_is_expanded_only_when_named_gz() -> None:
    data = gpx_run(seconds=5)
    assert expand(gz(data), name="a.gpx.gz") == data
    assert expand(data, name="a.gpx") == data
    with pytest.raises(CorruptFile, match=r"named \.gz but not gzip-compressed"):
        expand(data, name="a.gpx.gz")
    with pytest.raises(UnsupportedFormat, match=r"gzip-compressed but the name does not end in \.gz"):
        expand(gz(data), name="a.gpx")


def test_a_gzip_expanding_past_the_cap_is_a_decompression_bomb() -> None:
    bomb = gzip.compress(b"\0" * 2_000_000)
    assert len(bomb) < 10_000
    with pytest.raises(UnsafeFile, match="decompression bomb: expands beyond 1 MB"):
        expand(bomb, name="a.fit.gz", max_expanded_bytes=1024 * 1024)


def test_a_truncated_gzip_is_corrupt() -> None:
    with pytest.raises(CorruptFile, match="gzip"):
        expand(gz(gpx_run(seconds=60))[:200], name="a.gpx.gz")


def test_parse_bytes_turns_a_gzipped_gpx_into_an_activity_summary() -> None:
    parsed = parse_bytes(gz(gpx_run(seconds=600, speed=3.0)), name="morning.gpx.gz")
    assert parsed.summary.source_format == "gpx"
    assert parsed.summary.sport == "run"
    assert parsed.summary.elapsed_s == pytest.approx(600, abs=1)
    assert parsed.summary.distance_m == pytest.approx(1800, rel=0.02)
    assert parsed.streams is not None and parsed.streams.length == 601


def test_an_external_entity_is_refused_before_anything_is_read() -> None:
    xxe = b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]><gpx>&x;</gpx>'
    with pytest.raises(UnsafeFile, match="external entity"):
        parse_bytes(xxe, name="x.gpx")


@pytest.mark.parametrize(
    ("body", "limit"),
    [
        (b"<a>" * 300 + b"</a>" * 300, "Excessive depth"),
        (b"<trk><name>" + b"a" * 11_000_000 + b"</name></trk>", "Text node too long"),
    ],
    ids=["deep nesting", "huge text node"],
)
def test_xml_beyond_the_parser_limits_is_refused_as_unsafe_without_libxml_advice(body: bytes, limit: str) -> None:
    with pytest.raises(UnsafeFile, match="beyond the XML safety limits") as caught:
        parse_bytes(b"<gpx>" + body + b"</gpx>", name="deep.gpx")
    assert limit in str(caught.value) and "XML_PARSE_HUGE" not in str(caught.value)


def test_a_zip_or_a_second_gzip_where_an_activity_was_expected_is_named_for_what_it_is() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("run.fit", FIT_HEADER)
    with pytest.raises(UnsupportedFormat, match="the content is a zip archive, not an activity file"):
        parse_bytes(gzip.compress(archive.getvalue()), name="export.fit.gz")
    with pytest.raises(UnsupportedFormat, match="gzip-compressed twice"):
        parse_bytes(gzip.compress(gzip.compress(b"<gpx/>")), name="run.gpx.gz")
