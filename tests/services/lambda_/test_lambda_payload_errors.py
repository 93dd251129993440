"""A payload that is not JSON: Lambda's reader (Jackson over the bytes) says why and where."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

WHERE = "\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: {}, column: {}]"
VALUES = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"


@pytest.mark.parametrize(
    "payload,reason",
    [
        (b"n\x87r\x9e", "Invalid UTF-8 start byte 0x87" + WHERE.format(1, 3)),
        (b"\x99\xeb,j", f"Unexpected character ((CTRL-CHAR, code 153)): expected a valid value {VALUES}" + WHERE.format(1, 1)),
        (b"hello world", f"Unrecognized token 'hello': was expecting {VALUES}" + WHERE.format(1, 7)),
        (b"  nul", f"Unrecognized token 'nul': was expecting {VALUES}" + WHERE.format(1, 6)),
        (b"#x", f"Unexpected character ('#' (code 35)): expected a valid value {VALUES}" + WHERE.format(1, 1)),
        (b'{"a": 1,\n bad}', "Unexpected character ('b' (code 98)): was expecting double-quote to start field name"
         + WHERE.format(2, 2)),
    ],
)
def test_payload_that_is_not_json(lam, deploy, payload, reason):
    deploy("echo-json", {"app.py": "def handler(e, c):\n    return e\n"})
    with pytest.raises(ClientError) as err:
        lam.invoke(FunctionName="echo-json", Payload=payload)
    error = err.value.response["Error"]
    assert error["Code"] == "InvalidRequestContentException"
    assert error["Message"] == "Could not parse request body into json: Could not parse payload into json: " + reason
