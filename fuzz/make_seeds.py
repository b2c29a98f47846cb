#!/usr/bin/env python3
"""Writes the hand-made seed corpora in fuzz/corpus/<target>/.

Each seed is a valid input or an edge case worth starting from; libFuzzer
mutates them. Re-run after editing (files are named by content hash, so
running it twice changes nothing):  python3 fuzz/make_seeds.py
"""
import base64
import hashlib
import hmac
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, seeds):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    for s in seeds:
        if isinstance(s, str):
            s = s.encode()
        name = "seed-" + hashlib.sha1(s).hexdigest()[:16]
        with open(os.path.join(d, name), "wb") as f:
            f.write(s)


# ---- client_frames: WebSocket text frames (docs/protocol.md) ----
client_frames = [
    '{"type":"send","req":"r1","conversation_id":"c1","client_msg_id":"m1","content":"hi"}',
    '{"type":"send","conversation_id":"c1","client_msg_id":"m2","content":"","kind":"image","reply_to":"msg1"}',
    '{"type":"send","conversation_id":"c1","client_msg_id":"m3","content":"\\u00e9\\ud83d\\ude00","kind":"weird"}',
    '{"type":"typing","conversation_id":"c1"}',
    '{"type":"receipt","conversation_id":"c1","status":"read","seq":9223372036854775807}',
    '{"type":"receipt","conversation_id":"c1","status":"delivered","seq":18446744073709551615}',
    '{"type":"edit","conversation_id":"c1","message_id":"x","content":"new"}',
    '{"type":"delete","conversation_id":"c1","message_id":"x"}',
    '{"type":"ping","req":"p"}',
    '{"type":"received","conversation_id":"c1","seq":-1}',
    '{"type":"received","conversation_id":"c1","seq":1.5}',
    '{"type":"sync","conversations":{"c1":3,"c2":0,"":1}}',
    '{"type":"sync","conversations":{"a":1,"b":2,"c":3,"d":4,"e":5}}',
    '{"type":"sync","conversations":[]}',
    '{"type":"refresh","req":"r9","token":"eyJhbGciOiJIUzI1NiJ9.e30.c2ln"}',
    '{"type":"refresh","token":""}',
    '{"req":"' + "r" * 40 + '","type":"ping"}',
    '{"req":7,"type":"ping"}',
    '{"type":null}',
    '{"type":"send","type":"ping"}',
    '[1,2,3]',
    '{"type":"send"',
    '',
    '{"type":"send","conversation_id":"' + "c" * 17 + '","client_msg_id":"m","content":"x"}',
]
write("client_frames", client_frames)

# ---- rest_body: REST JSON bodies ----
write("rest_body", [
    '{"client_msg_id":"m1","content":"hello"}',
    '{"conversation_id":"conv-1","client_msg_id":"m1","content":"x","kind":"file"}',
    '{"conversation_id":"other","client_msg_id":"m1","content":"x"}',
    '{"members":["alice","bob"],"title":"t"}',
    '{"a":{"b":{"c":[1,2,{"d":null}]}}}',
    '"just a string"',
    '{"x":1e400}',
    '{',
    '',
])

# ---- rest_target: request targets ----
write("rest_target", [
    "/",
    "/api/conversations?limit=20",
    "/api/conversations?limit=0&cursor=1700000000000.c1",
    "/api/conversations?limit=9999999999999999999999&cursor=.x",
    "/api/conversations/c%201/messages?before_seq=9&limit=5&x=a+b",
    "/api/conversations/c1/messages?before_seq=-1&limit=-5",
    "//a//b/?&&=&k",
    "/a%2Fb/%00?%41=%42",
    "/a%2",
    "/a?b=%zz",
    "/api/conversations?cursor=12.&cursor=x.y",
])

# ---- upgrade: Authorization \n target \n Sec-WebSocket-Protocol \n Origin \n Host ----
write("upgrade", [
    "Bearer abc.def.ghi\n/ws\nparley\nhttps://chat.example\nchat.example",
    "\n/ws?token=abc.def.ghi\n\nhttp://localhost:8080\nlocalhost:8080",
    "\n/ws\nparley, abc.def.ghi\nhttps://evil.example\nchat.example:443",
    "bearer    \n/ws?token=%zz\n , ,parley,\nnull\n",
    "Basic dXNlcjpwYXNz\n/ws\nx, parley\nHTTPS://CHAT.EXAMPLE:443/\nchat.example",
    "\n\n\n\n",
])

# ---- base64url ----
write("base64url", ["", "QQ", "QUI", "QUJD", "QQ==", "QUI=", "QR", "Q", "a-_b", "+/==", "====", b"\x00\xff\xfe"])

# ---- jwt: mode byte, then a raw token (mode bit 0 clear) or header\npayload (set) ----
SECRET = b"fuzz-secret"  # jwt_fuzz.cpp signs and verifies with this key
NOW = 1_700_000_000


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=")


def token(header, payload, secret=SECRET):
    h = b64(json.dumps(header, separators=(",", ":")).encode())
    p = b64(json.dumps(payload, separators=(",", ":")).encode())
    sig = b64(hmac.new(secret, h + b"." + p, hashlib.sha256).digest())
    return h + b"." + p + b"." + sig


hs = {"alg": "HS256", "typ": "JWT"}
good = {"sub": "alice", "iat": NOW - 10, "exp": NOW + 3600}
write("jwt", [
    b"\x00" + token(hs, good),
    b"\x00" + token(hs, {"sub": "bob", "exp": NOW + 1.9, "nbf": NOW - 0.5}),
    b"\x00" + token(hs, {"sub": "bob", "exp": NOW - 1}),
    b"\x00" + token({"alg": "none"}, good),
    b"\x00" + token(hs, good, secret=b"other"),
    b"\x00" + token(hs, good) + b".extra",
    b"\x00" + token(hs, good).replace(b".", b"=.", 1),
    b"\x00a.b.c",
    b"\x00..",
    b"\x01" + json.dumps(hs).encode() + b"\n" + json.dumps(good).encode(),
    b"\x01{\"alg\":\"HS256\",\"typ\":\"jwt\"}\n{\"sub\":\"a@b:c.d-e_f\",\"exp\":1e300,\"nbf\":-1e300,\"iat\":0}",
    b"\x01{\"alg\":\"HS256\",\"crit\":[\"x\"]}\n{\"sub\":\"a\",\"exp\":9223372036854775807}",
    b"\x01{\"alg\":\"HS256\"}\n{\"sub\":\"a b\",\"exp\":18446744073709551615}",
    b"\x01{\"alg\":\"RS256\",\"kid\":\"k1\"}\n{\"sub\":\"a\",\"exp\":2000000000}",
    b"\x03" + json.dumps(hs).encode() + b"\n" + json.dumps(good).encode(),
    # mode bit 2: the verifier requires iss "iss-x" and aud "aud-x"
    b"\x05" + json.dumps(hs).encode() + b"\n" + json.dumps(dict(good, iss="iss-x", aud="aud-x")).encode(),
    b"\x05" + json.dumps(hs).encode() + b"\n" + json.dumps(dict(good, iss="iss-x", aud=["a", "aud-x"])).encode(),
    b"\x05" + json.dumps(hs).encode() + b"\n" + json.dumps(dict(good, iss="iss-y", aud=[])).encode(),
    b"\x05" + json.dumps(hs).encode() + b"\n" + json.dumps(good).encode(),
])


# ---- ws_frame: settings byte, then client frames (masked) ----
def frame(op, payload, fin=True, mask=b"\x11\x22\x33\x44", masked=True, rsv=0, length=None):
    n = len(payload) if length is None else length
    out = bytes([(0x80 if fin else 0) | rsv | op])
    m = 0x80 if masked else 0
    if n < 126:
        out += bytes([m | n])
    elif n <= 0xFFFF:
        out += bytes([m | 126]) + struct.pack(">H", n)
    else:
        out += bytes([m | 127]) + struct.pack(">Q", n)
    if not masked:
        return out + payload
    return out + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


S64K, S1000, S125, S16 = 3, 2, 1, 0  # low bits of the settings byte: message limit
write("ws_frame", [
    bytes([S64K]) + frame(1, b'{"type":"ping"}'),
    bytes([S64K | 4 << 2]) + frame(1, b"ab", fin=False) + frame(9, b"pi") + frame(0, b"cd"),
    bytes([S16]) + frame(2, b"x" * 17),
    bytes([S1000]) + frame(1, b"y" * 300),
    bytes([S64K]) + frame(1, b"z" * 10, length=70000),  # 64-bit length, payload cut short
    bytes([S1000]) + frame(1, b"z" * 10, length=70000),
    bytes([S64K]) + frame(8, struct.pack(">H", 1000) + b"bye"),
    bytes([S64K]) + frame(8, b"\x03"),
    bytes([S64K]) + frame(8, b""),
    bytes([S64K]) + frame(10, b""),
    bytes([S64K]) + frame(9, b"p" * 126),
    bytes([S64K]) + frame(1, b"x", masked=False),
    bytes([S64K]) + frame(1, b"x", rsv=0x40),
    bytes([S64K]) + frame(0, b"orphan"),
    bytes([S64K]) + frame(3, b"reserved"),
    bytes([S64K]) + frame(1, b"", length=1 << 63),
    bytes([S125 | 63 << 2]) + frame(1, b"a", fin=False) + frame(1, b"b"),
    bytes([S64K]) + frame(1, b"", fin=False) + frame(0, b"") + frame(0, b"end"),
])


# ---- jwks: a JWKS file, optionally NUL and a token verified against it ----
# Test-only keys, here so the seeds are the same on every run: they sign
# nothing but these seeds.
RSA_TEST_KEY_PEM = b"""
-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEAvSFfI1QmgZRD4r5m3Vp5uJnHbVC0mM4SxzesQliF1qZbiUn/
T4dyN3mYOvgbTuSAmRH+ZPZp96CCWQB+JnU0wvdhKS1WUhBwxLV5VGZL1pzKq8mU
zB/5rgrTW+l2jUb31pinoNwLz8RNPDIGSRX8vkCVgbzwbVsbGuQECEot6rQYPi16
1RD1fLrFUI75idxbNjoPRviYh1eSQjY2cNNlU6DFvBOUUIaB7KvR82nb6mWR10XM
Ly6MGAnzLSSeVMaEDOps5IRVUqAL7a66AkawAdCBXd7nnweZTL3w1jerB+bL1lat
qvA4rt+VMpXD+5+S4QE/55FWg5jTZN657L5akwIDAQABAoIBAAyRA5PC2x4f/lS6
BvatNMo9uYD7bEx84MWI3vK3lAj7m7hnCMY9fyrNcv50DshyqVLCXc9Sih7wdMi6
HierAPr1WejVANfKDNwdHLctZtuXJmY8qhzYAQx93qZMQFrJvNzu3rBy/nvrFKCr
yDwh8F2px+VLawQxGf9y6Auu9hcSi9hb2Ghd59VaqhIoaI3angcqa/TS5G9RGBup
QnsjZGAASgLiFYuunOWtPeG+ai66TcsOyK4XY4+bFNUcU8FWqEgBXPp3JcNSXO7z
DkQb9+riBPe7ld4pJkVI/5vOxpQb6ChcOPdKwaPHFyP7Dp6LUGY5lLqI9em4sbbE
l841S10CgYEA+A4Z9PX4SCsfEylM+ED3ExEynmIYGKSn24IXiDGmzt+KVRpWd+8S
VCnvZOOt4iNcsUbu0/+Os5IaBBX8z4Ur/Zjy1iQ8iJVnAUhbew+UP8Ni7B6NuFqT
V4x8k4qPpD/x39Jx3KJveDWUgq/UyXLXLtsZG/eeVpnvZDF10CSIoEUCgYEAwzAf
tMXyAtAuw00PlJEq5VTyF9ewAx8Pz2XTmQeYjefk0hhXaKUNf26Zh+Zbtjg8Mw3S
afse/8QCx5oSJtbAcAPgQBNfVOXl3lRQQ6vA3qjmZ5yVfg+DT6EUuEi5QjHlj+fF
HBPWFtV90At1MVmMk1EwMKEK0ASNRyNIi43EWPcCgYBoSnV7WlcS8J5WDg1Aav/2
Ukq38II1CjVQwvdl2YpKfA3LDhHAxxErtZ3jCx62byuvlSUgmNfEg+7QPPZXwaPn
MYEXq5CP1FDEZ0mfCcPIsztKDuaC1gIQ0w4lciJGamQlOHOK0fiPz+cqswaB0/jI
yHFcItW9j2bo9yqTYmjXCQKBgQCz6xYu0g+k3DVevRfRgIaj4ktOAvkxx14RdPE5
LDFJDSp1Jw7bXNk2T8Kh7Is5SljjTqhYHKyUYh+V0cVNm8LC/i+loLXNUiUzbVCX
MCiWleXcOA/spWwK6JZq0E5EYC4VGjUtDnPXlG9maElcdgkIelwLV0baPHflzPY/
/SuyPQKBgQC9hDE1/1PMeqa6LUWa2Dd8zAGDH6ozyE/svQDJDyUH5dgRXNzJUvzI
c57eXEnHvYhLHiNj8Gw6oS96hAob+p3kLRc5BQHZIxyMoRqFPzD71wmbuDtnXef1
6LMvr0Q/+oPZcRv5id/MY5VeK1OE8A88pLxA1XbIHtfm+SkaxCchnw==
-----END RSA PRIVATE KEY-----
"""


def jwks_seeds():
    try:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519, padding
    except ImportError:
        print("make_seeds.py: python3-cryptography missing, jwks seeds skipped")
        return
    rsa_key = serialization.load_pem_private_key(RSA_TEST_KEY_PEM.strip(), password=None)
    ed_key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    nums = rsa_key.public_key().public_numbers()

    def uint(n):
        return b64(n.to_bytes((n.bit_length() + 7) // 8, "big")).decode()

    rsa_jwk = {"kty": "RSA", "kid": "rsa1", "use": "sig", "alg": "RS256", "n": uint(nums.n), "e": uint(nums.e)}
    ed_raw = ed_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    ed_jwk = {"kty": "OKP", "crv": "Ed25519", "kid": "ed1", "x": b64(ed_raw).decode()}
    good = json.dumps({"keys": [rsa_jwk, ed_jwk]}).encode()

    def signed(header, payload, sign):
        h = b64(json.dumps(header, separators=(",", ":")).encode())
        p = b64(json.dumps(payload, separators=(",", ":")).encode())
        return h + b"." + p + b"." + b64(sign(h + b"." + p))

    rs = lambda m: rsa_key.sign(m, padding.PKCS1v15(), hashes.SHA256())
    ed = lambda m: ed_key.sign(m)
    claims = {"sub": "alice", "exp": NOW + 3600, "iat": NOW}
    rsa_pub_pem = rsa_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo)
    hs_with_pubkey = lambda m: hmac.new(rsa_pub_pem, m, hashlib.sha256).digest()
    with_token = [
        signed({"alg": "RS256", "kid": "rsa1", "typ": "JWT"}, claims, rs),
        signed({"alg": "EdDSA", "kid": "ed1"}, claims, ed),
        signed({"alg": "RS256", "kid": "ed1"}, claims, rs),          # alg not the key's own
        signed({"alg": "EdDSA", "kid": "rsa1"}, claims, ed),
        signed({"alg": "RS256"}, claims, rs),                        # no kid
        signed({"alg": "RS256", "kid": "nope"}, claims, rs),
        signed({"alg": "HS256", "kid": "rsa1"}, claims, hs_with_pubkey),  # confusion attempt
        signed({"alg": "none", "kid": "ed1"}, claims, lambda m: b""),
        signed({"alg": "EdDSA", "kid": "ed1"}, {"sub": "a", "exp": NOW - 1}, ed),
        signed({"alg": "EdDSA", "kid": "ed1", "crit": ["b64"]}, claims, ed),
        token(hs, {"sub": "bob", "exp": NOW + 60}),  # plain HS256
    ]
    seeds = [good + b"\0" + t for t in with_token]
    bad_keys = [
        {"kty": "oct", "kid": "o", "k": "c2VjcmV0"},
        dict(rsa_jwk, d="AQAB"),
        dict(rsa_jwk, use="enc"),
        dict(rsa_jwk, alg="RS512"),
        dict(rsa_jwk, n=uint(nums.n >> 1100)),                       # short modulus
        dict(ed_jwk, crv="X25519"),
        dict(ed_jwk, x=b64(ed_raw[:31]).decode()),
        {k: v for k, v in ed_jwk.items() if k != "kid"},
        dict(ed_jwk, alg=7),
    ]
    seeds += [json.dumps({"keys": [k]}).encode() for k in bad_keys]
    seeds += [json.dumps({"keys": [ed_jwk, ed_jwk]}).encode(), b'{"keys":[]}', b'{"keys":{}}', b"[]", b""]
    write("jwks", seeds)


jwks_seeds()


# ---- multipart: Content-Type line, "\n", then the body (media/multipart.h) ----
def multipart(boundary, parts, preamble=b"", epilogue=b"\r\n"):
    body = preamble
    for headers, content in parts:
        body += b"--" + boundary + b"\r\n" + headers + b"\r\n\r\n" + content + b"\r\n"
    return body + b"--" + boundary + b"--" + epilogue


FILE = b'Content-Disposition: form-data; name="file"; filename="cat.png"\r\nContent-Type: image/png'
FIELD = b'Content-Disposition: form-data; name="note"'
write("multipart", [
    b"multipart/form-data; boundary=b0undary\n" + multipart(b"b0undary", [(FIELD, b"hi"), (FILE, b"\x89PNG\r\n\x1a\n")]),
    b'Multipart/Form-Data; boundary="quoted b"\n' + multipart(b"quoted b", [(FILE, b"")]),
    b"multipart/form-data; charset=x; boundary=z\n" + multipart(b"z", [(FILE, b"a\r\n--y\r\nb")], preamble=b"preamble\r\n"),
    b"multipart/form-data; boundary=z\n" + multipart(b"z", [(b"Content-Disposition: form-data; name=f; filename*=UTF-8''caf%C3%A9.txt", b"x")]),
    b"multipart/form-data; boundary=z\n" + multipart(b"z", [(b"content-disposition:form-data;filename=\"a\\\"b\"", b"x")]),
    b"multipart/form-data; boundary=z\n" + multipart(b"z", [(FILE, b"one"), (FILE, b"two")]),
    b"multipart/form-data; boundary=z\n" + multipart(b"z", [(FIELD, b"no file")]),
    b"multipart/form-data; boundary=z\n--z  \t\r\n" + FILE + b"\r\n\r\nunterminated",
    b"multipart/form-data; boundary=z\n--z\r\nno header end",
    b"multipart/form-data; boundary=\n--\r\n\r\n",
    b"multipart/form-data; boundary=" + b"b" * 71 + b"\n",
    b"multipart/form-data\n--z--",
    b"text/plain\nnot multipart",
])

# ---- byte_range: 8 bytes of content size (little-endian), then the Range value ----
def rng(size, header):
    return struct.pack("<Q", size) + header


write("byte_range", [
    rng(1000, b"bytes=0-499"),
    rng(1000, b"bytes=500-"),
    rng(1000, b"bytes=-500"),
    rng(1000, b"bytes=-0"),
    rng(1000, b"bytes=1000-"),
    rng(1000, b"bytes=999-2000"),
    rng(0, b"bytes=0-0"),
    rng(0, b"bytes=-1"),
    rng(1000, b"BYTES = 1-2 "),
    rng(1000, b"bytes=0-1,3-4"),
    rng(1000, b"bytes=5-1"),
    rng(1000, b"bytes=18446744073709551615-"),
    rng(1000, b"bytes=-18446744073709551616"),
    rng(1000, b"items=0-1"),
    rng(1000, b"bytes=+1-2"),
    rng(2**64 - 1, b"bytes=0-"),
    rng(7, b"bytes="),
])

# ---- content_sniffer: uploaded bytes (media/content_sniffer.h, image_size.h) ----
def be32(v):
    return struct.pack(">I", v)


PNG = b"\x89PNG\r\n\x1a\n" + be32(13) + b"IHDR" + be32(640) + be32(480) + b"\x08\x06\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + \
    b"\xff\xc0\x00\x11\x08\x01\xe0\x02\x80\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9"
write("content_sniffer", [
    PNG,
    PNG[:20],
    JPEG,
    b"GIF89a\x80\x02\xe0\x01\x00\x00\x00",
    b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00\x30\x01\x00\x9d\x01\x2a\x80\x02\xe0\x01",
    b"RIFF\x24\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x7f\xc0\x77\x00",
    b"RIFF\x24\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x00\x7f\x02\x00\xdf\x01\x00",
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
    b"OggS\x00\x02",
    b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00",
    b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00",
    b"\x00\x00\x00\x18ftypheic",
    b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm",
    "plain words, caf\u00e9 \U0001F600\ttab\r\n".encode(),
    b"\xef\xbb\xbf  <!DOCTYPE html><p>x",
    b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    b"<?xml version='1.0'?>",
    b"<abc>not a tag we know</abc>",
    b"MZ\x90\x00",
    b"\x7fELF\x02",
    b"PK\x03\x04",
    b"\xc0\xaf overlong",
    b"\xed\xa0\x80 surrogate",
    b"\xf4\x90\x80\x80 past U+10FFFF",
    b"cut short \xe2\x82",
    b"nul\x00inside",
])

# ---- search_cursor: the ?cursor= of GET /api/search ----
write("search_cursor", [
    "1523.18.c_abc",
    "-5.1.c_x",
    "0.1.d_0123456789abcdef01234567",
    "9223372036854775807.9223372036854775807.c.with.dots",
    "9223372036854775808.1.c",
    "1.0.c",
    "1.-1.c",
    "01.007.c",
    "-0.1.c",
    "1.1.",
    "1..c",
    ".1.c",
    "1.1." + "c" * 257,
    "+1.1.c",
    "garbage",
])
