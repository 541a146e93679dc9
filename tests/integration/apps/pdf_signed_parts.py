#!/usr/bin/env python3
"""Splits a signed PDF's last signature into what an outside verifier needs.

    pdf_signed_parts.py SIGNED.pdf CONTENT.bin SIGNATURE.der

CONTENT.bin gets the bytes the signature covers (its /ByteRange: the whole
file but the /Contents hex string), SIGNATURE.der the CMS blob of /Contents
(without the zero padding where its length says where it ends), so `openssl cms -verify -binary -inform DER
-in SIGNATURE.der -content CONTENT.bin` checks the signature without poppler.
Exit status 1 when the file has no signature or the range does not cover
the whole file but the /Contents string.
"""
import re
import sys


def main():
    pdf, content_path, sig_path = sys.argv[1:4]
    data = open(pdf, "rb").read()
    ranges = re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    if not ranges:
        print("no /ByteRange in %s" % pdf, file=sys.stderr)
        return 1
    a, b, c, d = (int(x) for x in ranges[-1])
    hole = data[a + b:c]
    if a != 0 or c + d != len(data) or not re.fullmatch(rb"<[0-9A-Fa-f]*>", hole):
        print("the signature's byte range does not cover the whole file", file=sys.stderr)
        return 1
    with open(content_path, "wb") as f:
        f.write(data[a:a + b] + data[c:c + d])
    blob = bytes.fromhex(hole[1:-1].decode("ascii"))
    # The CMS is one SEQUENCE; the rest of the reserved space is zero
    # padding. A definite length says where it ends; an indefinite (BER)
    # one ends with 00 00, so there the padding stays: a DER/BER reader
    # stops at the end of the first object.
    if blob[:1] != b"\x30" or len(blob) < 4:
        print("/Contents does not hold a CMS SEQUENCE", file=sys.stderr)
        return 1
    if blob[1] == 0x80:
        total = len(blob)
    elif blob[1] & 0x80:
        nlen = blob[1] & 0x7F
        total = 2 + nlen + int.from_bytes(blob[2:2 + nlen], "big")
    else:
        total = 2 + blob[1]
    with open(sig_path, "wb") as f:
        f.write(blob[:total])
    return 0


if __name__ == "__main__":
    sys.exit(main())
