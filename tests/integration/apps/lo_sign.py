#!/usr/bin/python3
"""LibreOffice (UNO, Python) for tests/integration/client-libreoffice.sh.

    lo_sign.py PIPE WORKDIR SIGN-CERT.pem PIN

Connects to a headless soffice (--accept=pipe,name=PIPE;urp;), makes a
Writer document WORKDIR/doc.odt, finds the certificate SIGN-CERT.pem among
LibreOffice's personal certificates (NSS, so through the PKCS#11 module),
signs the document with it as File > Digital Signatures does
(XDocumentDigitalSignatures.signDocumentWithCertificate), verifies the
signature with LibreOffice's own verifyDocumentContentSignatures, then
exports WORKDIR/doc.pdf signed with the same certificate as File > Export
as PDF > Digital Signatures does (PIN as the export's certificate password).
Prints one line per step; exit status 0 when every step ran.
"""
import base64
import os
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.embed.ElementModes import READ, READWRITE


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def connect(pipe, seconds):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + seconds
    while True:
        try:
            return resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def main():
    pipe, workdir, certpem, pin = sys.argv[1:5]
    ctx = connect(pipe, 90)
    smgr = ctx.ServiceManager

    def service(name, *args):
        if args:
            return smgr.createInstanceWithArgumentsAndContext(name, args, ctx)
        return smgr.createInstanceWithContext(name, ctx)

    desktop = service("com.sun.star.frame.Desktop")
    doc = desktop.loadComponentFromURL("private:factory/swriter", "_blank", 0, (prop("Hidden", True),))
    doc.getText().setString("マイナンバーカードで署名する文書 / a document signed with the card")
    odt = uno.systemPathToFileUrl(os.path.join(workdir, "doc.odt"))
    doc.storeToURL(odt, (prop("FilterName", "writer8"),))
    print("stored doc.odt")

    # The certificate chooser's list: NSS asks for both tokens' PINs here.
    der = base64.b64decode("".join(l for l in open(certpem) if not l.startswith("-----")))
    env = service("com.sun.star.xml.crypto.SEInitializer").createSecurityContext("").getSecurityEnvironment()
    certs = env.getPersonalCertificates()
    print("personal certificates: %d" % len(certs))
    mine = [c for c in certs if bytes(c.Encoded.value) == der]
    print("the sign certificate is listed: %s" % bool(mine))
    if not mine:
        return 1
    cert = mine[0]

    # ODF signature, the way sfx2's SfxMedium::SignContents_Impl does it.
    signer = service("com.sun.star.security.DocumentDigitalSignatures", "1.2", True)
    sfa = service("com.sun.star.ucb.SimpleFileAccess")
    factory = service("com.sun.star.embed.StorageFactory")
    zipformat = uno.Any("[]com.sun.star.beans.PropertyValue", (prop("StorageFormat", "ZipFormat"),))

    def storage(stream, mode):
        return uno.invoke(factory, "createInstanceWithArguments", ((stream, mode, zipformat),))

    stream = sfa.openFileReadWrite(odt)
    zipstor = storage(stream, READWRITE)
    metainf = zipstor.openStorageElement("META-INF", READWRITE)
    sigstream = metainf.openStreamElement(signer.getDocumentContentSignatureDefaultStreamName(), READWRITE)
    ok = signer.signDocumentWithCertificate(cert, storage(stream, READ), sigstream)
    print("signDocumentWithCertificate: %s" % ok)
    if not ok:
        return 1
    metainf.commit()
    zipstor.commit()
    zipstor.dispose()
    stream.getOutputStream().closeOutput()

    # LibreOffice's own check, as the signature bar shows it.
    instream = sfa.openFileRead(odt)
    stor = storage(instream, READ)
    metainf = stor.openStorageElement("META-INF", READ)
    sig = metainf.openStreamElement(signer.getDocumentContentSignatureDefaultStreamName(), READ)
    for info in signer.verifyDocumentContentSignatures(stor, sig.getInputStream()):
        print("signature: valid=%s certificate-status=%d signer=%s"
              % (info.SignatureIsValid, info.CertificateStatus, info.Signer.SubjectName))
    stor.dispose()

    # PDF export with a signature.
    pdf = uno.systemPathToFileUrl(os.path.join(workdir, "doc.pdf"))
    filterdata = uno.Any("[]com.sun.star.beans.PropertyValue", (
        prop("SignPDF", True), prop("SignatureCertificate", cert), prop("SignaturePassword", pin)))
    uno.invoke(doc, "storeToURL", (pdf, (prop("FilterName", "writer_pdf_Export"), prop("FilterData", filterdata))))
    print("exported doc.pdf")
    doc.close(True)
    try:
        desktop.terminate()
    except Exception:
        pass  # soffice quits and drops the bridge
    return 0


if __name__ == "__main__":
    sys.exit(main())
