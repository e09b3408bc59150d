"""Benchmark: signing and verifying a 1 MB, 20-page PDF (PAdES) and a 200 KB edXML package
(XML-DSig), beside the bare RSA operation, so the overhead shows as a ratio.

    .venv/bin/python bench/bench_signing.py             # 40 PDF rounds, 200 XML rounds
    .venv/bin/python bench/bench_signing.py --quick     # a short run
    .venv/bin/python bench/bench_signing.py --key=ec-p256 --profile

What is measured (one process, after warm-up; p50 and p95 of wall time):

* PDF sign: ``egov.signing.crypto.pdf.sign_pdf`` on the generated document with a visible
  stamp in Noto Sans (Vietnamese text, embedded font subset), PAdES baseline B, no
  timestamp; the whole call from bytes in to bytes out.
* PDF verify: ``verify_pdf`` on that signed file, with the trust root and a CRL: integrity,
  chain, revocation and the difference analysis of pyHanko.
* PDF sign with a local RFC 3161 timestamp (pyHanko's in-process time stamper): shown, not
  in the JSON line.
* XML sign / verify: ``sign_xml`` (signature in edXML:edXMLHeader) and ``verify_xml``
  (chain, CRL) on a 200 KB edXML package (header and one base64 attachment); repeated
  verification of one sender hits the chain cache (60 s), as a hub's does.
* XML verify, chain not cached: the same with the chain cache of ``trust`` emptied before
  each call (the first package from a sender); opening a sealed private key (keys.py).
* bare: ``cryptography`` RSA PKCS#1 v1.5 / SHA-256 sign and verify of a 32-byte message
  with the same key size as the signer (RSA 2048 by default, as the national CA issues).

The document: 20 A4 pages of Vietnamese text rendered by WeasyPrint, padded with an
embedded incompressible image to about 1 MB. Keys and certificates come from the demo CA.
The figures are printed; nothing fails on a time. Targets (issue 5): PDF sign < 50 ms and
verify < 30 ms p50; XML sign and verify < 5 ms p50.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from egov.signing.crypto import keys, pdf, trust, xml
from egov.signing.crypto.ca import CertificateAuthority, IssuedCertificate
from egov.signing.crypto.trust import Verdict


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few rounds, a smoke run")
    parser.add_argument("--key", default="rsa2048",
                        choices=["rsa2048", "rsa3072", "ec-p256"],
                        help="signer key algorithm (default rsa2048)")
    parser.add_argument("--rounds", type=int, default=None, help="PDF rounds")
    parser.add_argument("--profile", action="store_true",
                        help="print where the time of PDF sign/verify and XML sign goes")
    return parser.parse_args(argv)


# --- inputs ------------------------------------------------------------------------------------


def make_pdf(target_bytes: int = 1_000_000, pages: int = 20) -> bytes:
    from PIL import Image
    from weasyprint import HTML

    side = 560  # an incompressible RGB image of ~0.9 MB pads the file to ~1 MB
    noise = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    png = io.BytesIO()
    noise.save(png, "PNG")
    image_uri = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    paragraph = ("Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ "
                 "về công tác văn thư; xét đề nghị của Chánh Văn phòng Bộ, nay quyết định "
                 "triển khai chữ ký số chuyên dùng Chính phủ trong hoạt động của cơ quan. ")
    body = []
    for page in range(pages):
        image = (f"<img src='{image_uri}' style='width:8cm'>" if page == 0 else "")
        body.append(f"<section style='page-break-after:always'><h2>Trang {page + 1}</h2>"
                    f"{image}{''.join(f'<p>Điều {i}. {paragraph}</p>' for i in range(8))}"
                    "</section>")
    html = f"<html lang='vi'><body><h1>QUYẾT ĐỊNH số 12/QĐ-BTC</h1>{''.join(body)}</body></html>"
    data = bytes(HTML(string=html).write_pdf())
    if len(data) < target_bytes * 0.8:
        raise SystemExit(f"generated PDF is only {len(data)} bytes")
    return data


def make_edxml(target_bytes: int = 200_000) -> bytes:
    head = """<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"
       xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXML:edXMLEnvelope>
<edXML:edXMLHeader><edXML:MessageHeader>
<From><OrganId>000.00.00.G12</OrganId><OrganName>Bộ Tài chính</OrganName></From>
<To><OrganId>000.00.00.G22</OrganId><OrganName>Văn phòng Chính phủ</OrganName></To>
<Code><CodeNumber>12</CodeNumber><CodeNotation>QĐ-BTC</CodeNotation></Code>
<Subject>Về việc triển khai chữ ký số chuyên dùng</Subject>
<DocumentId>000.00.00.G12,2026/02/05,12/QĐ-BTC</DocumentId>
</edXML:MessageHeader></edXML:edXMLHeader>
<edXML:edXMLBody><edXML:edXMLManifest version="1.0"><Reference>
<AttachmentName>quyet-dinh.pdf</AttachmentName><ContentId>att1</ContentId>
</Reference></edXML:edXMLManifest></edXML:edXMLBody></edXML:edXMLEnvelope>
<AttachmentEncoded><Attachment><ContentId>att1</ContentId>
<ContentTransferEncoded>base64</ContentTransferEncoded><AttachmentName>quyet-dinh.pdf
</AttachmentName><Content>"""
    tail = "</Content></Attachment></AttachmentEncoded></edXML>\n"
    room = target_bytes - len(head.encode()) - len(tail.encode())
    b64 = base64.encodebytes(os.urandom(room * 3 // 4 - 1000)).decode()
    return (head + b64 + tail).encode("utf-8")


# --- timing ------------------------------------------------------------------------------------


def measure(fn: Callable[[], object], rounds: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def p(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def line(name: str, times: list[float], target: float | None = None,
         bare: float | None = None) -> None:
    p50, p95 = p(times, 50), p(times, 95)
    extra = f"  target < {target:g} ms: {'met' if p50 < target else 'MISSED'}" if target else ""
    ratio = f"  = {p50 / bare:6.1f} x bare" if bare else ""
    print(f"{name:<34} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms{ratio}{extra}")


def profile(label: str, fn: Callable[[], object], rounds: int = 10) -> None:
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(rounds):
        fn()
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(22)
    print(f"--- profile: {label} ({rounds} calls)")
    print("\n".join(out.getvalue().splitlines()[:48]))


# --- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    pdf_rounds = args.rounds or (8 if args.quick else 40)
    xml_rounds = 30 if args.quick else 200
    bare_rounds = 100 if args.quick else 1000

    ca = CertificateAuthority.create_root("Bench Root CA", algorithm="rsa3072")
    signer: IssuedCertificate = ca.issue_personal(
        "Phạm Minh Lãnh", "Bộ Tài chính", "000.00.00.G12", title="Thứ trưởng",
        algorithm=args.key)
    seal = ca.issue_seal("Bộ Tài chính", "000.00.00.G12", algorithm=args.key)
    tsa = ca.issue_timestamping()
    crl = ca.crl()
    roots = [ca.certificate]

    t0 = time.perf_counter()
    document = make_pdf()
    package = make_edxml()
    print(f"inputs: PDF {len(document) / 1e6:.2f} MB, 20 pages "
          f"(WeasyPrint, {time.perf_counter() - t0:.1f} s); edXML {len(package) / 1e3:.0f} KB; "
          f"signer key {args.key}; rounds PDF {pdf_rounds}, XML {xml_rounds}")

    lines = pdf.signer_stamp_lines("Phạm Minh Lãnh", "Thứ trưởng")

    def sign_pdf() -> bytes:
        return pdf.sign_pdf(document, signer.key, signer.certificate, signer.chain,
                            field_name="ChuKy", box=(19, 330, 40, 560, 110),
                            stamp_lines=lines)

    signed = sign_pdf()
    [report] = pdf.verify_pdf(signed, roots, [crl])
    assert report.verdict is Verdict.VALID, report.problems
    timestamper = pdf.local_timestamper(tsa)

    def sign_pdf_ts() -> bytes:
        return pdf.sign_pdf(document, signer.key, signer.certificate, signer.chain,
                            field_name="ChuKy", box=(19, 330, 40, 560, 110),
                            stamp_lines=lines, timestamper=timestamper)

    def verify_pdf() -> object:
        return pdf.verify_pdf(signed, roots, [crl])

    def sign_xml() -> bytes:
        return xml.sign_xml(package, seal.key, seal.certificate, seal.chain,
                            location=xml.edxml_signature_parent)

    signed_xml = sign_xml()
    assert xml.verify_xml(signed_xml, roots, [crl]).verdict is Verdict.VALID

    def verify_xml() -> object:
        return xml.verify_xml(signed_xml, roots, [crl])

    def verify_xml_cold() -> object:
        trust._chain_cache.clear()
        return xml.verify_xml(signed_xml, roots, [crl])

    master = os.urandom(32)
    sealed = keys.seal_private_key(signer.key, master)

    def open_key() -> object:
        return keys.open_private_key(sealed, master)

    key = signer.key
    message = os.urandom(32)
    if isinstance(key, rsa.RSAPrivateKey):
        bare_signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        pub_rsa = key.public_key()

        def bare_sign() -> object:
            return key.sign(message, padding.PKCS1v15(), hashes.SHA256())

        def bare_verify() -> object:
            pub_rsa.verify(bare_signature, message, padding.PKCS1v15(), hashes.SHA256())
            return None
    else:
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        ec_key = key
        bare_signature = ec_key.sign(message, ec.ECDSA(hashes.SHA256()))
        pub_ec = ec_key.public_key()

        def bare_sign() -> object:
            return ec_key.sign(message, ec.ECDSA(hashes.SHA256()))

        def bare_verify() -> object:
            pub_ec.verify(bare_signature, message, ec.ECDSA(hashes.SHA256()))
            return None

    bare_s = measure(bare_sign, bare_rounds, warmup=10)
    bare_v = measure(bare_verify, bare_rounds, warmup=10)
    results = {
        "pdf_sign": measure(sign_pdf, pdf_rounds),
        "pdf_verify": measure(verify_pdf, pdf_rounds),
        "pdf_sign_ts": measure(sign_pdf_ts, max(pdf_rounds // 2, 4)),
        "xml_sign": measure(sign_xml, xml_rounds),
        "xml_verify": measure(verify_xml, xml_rounds),
        "xml_verify_cold": measure(verify_xml_cold, max(xml_rounds // 4, 10)),
        "open_key": measure(open_key, xml_rounds),
    }
    bs50, bv50 = p(bare_s, 50), p(bare_v, 50)
    line(f"bare {args.key} sign", bare_s)
    line(f"bare {args.key} verify", bare_v)
    line("PDF sign (visible stamp)", results["pdf_sign"], 50, bs50)
    line("PDF sign + local RFC 3161 stamp", results["pdf_sign_ts"], None, bs50)
    line("PDF verify (chain, CRL, diff)", results["pdf_verify"], 30, bv50)
    line("XML sign (edXML, 200 KB)", results["xml_sign"], 5, bs50)
    line("XML verify (chain, CRL)", results["xml_verify"], 5, bv50)
    line("XML verify, chain not cached", results["xml_verify_cold"], None, bv50)
    line("open a sealed private key", results["open_key"])

    if args.profile:
        profile("PDF sign", sign_pdf)
        profile("PDF verify", verify_pdf)
        profile("XML sign", sign_xml, rounds=50)
        profile("XML verify", verify_xml, rounds=50)

    summary = {
        "bench": "signing",
        "pdf_sign_p50_ms": round(p(results["pdf_sign"], 50), 2),
        "pdf_verify_p50_ms": round(p(results["pdf_verify"], 50), 2),
        "xml_sign_p50_ms": round(p(results["xml_sign"], 50), 2),
        "xml_verify_p50_ms": round(p(results["xml_verify"], 50), 2),
        "bare_sign_p50_ms": round(bs50, 3),
        "bare_verify_p50_ms": round(bv50, 3),
    }
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
