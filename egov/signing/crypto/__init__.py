"""The cryptographic half of egov's digital signatures: a plain library, no Django.

- `ca`: a demo certificate authority (personal, seal and TSA certificates, CRLs) and PKCS#12;
- `keys`: private keys sealed at rest under a master key from the environment;
- `pdf`: PAdES signing with visible stamps and RFC 3161 timestamps, and verification;
- `cms`: detached CMS signatures for attachments that are not PDF;
- `xml`: enveloped XML-DSig for edXML packages;
- `trust`: the chain, revocation and verdict logic every verifier shares.

Formats are produced and checked by pyHanko, signxml and cryptography; nothing is written
by hand. Import the submodules directly (`from egov.signing.crypto import pdf`).
"""

from .common import CertificateInfo, CertificateNotUsableError, SigningError
from .trust import SignatureReport, Verdict

__all__ = [
    "CertificateInfo",
    "CertificateNotUsableError",
    "SignatureReport",
    "SigningError",
    "Verdict",
]
