"""Reading a multipart/form-data upload as it arrives: the bytes of its `file` part, chunk by
chunk, for the storage to write (the request body is never held whole)."""

from collections.abc import AsyncIterator

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from itpp_api.errors import BadRequest, UnsupportedMediaType

FIELD = "file"


class FilePart:
    """The `file` part of a multipart request: iterate for its bytes; `file_name` is known once
    the first chunk arrives. Other parts are read past and ignored; a second `file` part is
    refused."""

    def __init__(self, request: Request) -> None:
        media_type, options = parse_options_header(request.headers.get("content-type"))
        boundary = options.get(b"boundary")
        if media_type != b"multipart/form-data" or not boundary:
            raise UnsupportedMediaType(
                "Send the file as multipart/form-data, in a part named `file`."
            )
        self.request = request
        self.file_name: str | None = None
        self.seen = False
        self._chunks: list[bytes] = []
        self._field = bytearray()
        self._value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._in_file = False
        self._done = False
        self._parser = MultipartParser(
            boundary,
            callbacks={
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
                "on_end": self._end,
            },
        )

    def _part_begin(self) -> None:
        self._headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[bytes(self._field).lower()] = bytes(self._value)
        self._field.clear()
        self._value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition"))
        self._in_file = options.get(b"name") == FIELD.encode()
        if self._in_file:
            if self.seen:
                raise BadRequest("Send one file per request.")
            self.seen = True
            raw = options.get(b"filename")
            self.file_name = raw.decode("utf-8", "replace") if raw is not None else None

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self._chunks.append(data[start:end])

    def _part_end(self) -> None:
        self._in_file = False

    def _end(self) -> None:
        self._done = True

    def _write(self, body: bytes | None) -> None:
        try:
            if body is None:
                self._parser.finalize()
            else:
                self._parser.write(body)
        except MultipartParseError as error:
            raise BadRequest(f"The multipart body is malformed: {error}") from None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for body in self.request.stream():
            if body:
                self._write(body)
            if self._chunks:
                chunk = b"".join(self._chunks)
                self._chunks.clear()
                yield chunk
        self._write(None)
        if self._chunks:
            yield b"".join(self._chunks)
            self._chunks.clear()
        if not self.seen:
            raise BadRequest("The request has no part named `file`.")
        if not self._done:
            raise BadRequest("The multipart body ends before its closing boundary.")
