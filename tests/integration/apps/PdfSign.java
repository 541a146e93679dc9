// A small PDF signer for tests/integration/client-java.sh, the way the Java
// PDF signers people use for online filings work: the key and certificate
// come from a PKCS#11 token through Java's own SunPKCS11 provider, PDFBox 2
// (Debian's libpdfbox2-java) writes the signature dictionary, and
// BouncyCastle (libbcpkix-java) builds the adbe.pkcs7.detached CMS.
//
//   java PdfSign SUNPKCS11.cfg OUT.pdf      (the PIN on standard input)
//
// Makes a one-page PDF, signs it with the token's only private key (one
// C_Login, one signature, as SunPKCS11 does it) and saves it as OUT.pdf.
// Prints the signer's certificate in PEM on standard output.
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Calendar;
import java.util.Collections;
import java.util.List;

import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.SignatureInterface;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

public class PdfSign {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: PdfSign SUNPKCS11.cfg OUT.pdf < PIN");
            System.exit(2);
        }
        char[] pin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                .readLine().toCharArray();
        Provider p11 = Security.getProvider("SunPKCS11").configure(args[0]);
        Security.addProvider(p11);
        KeyStore ks = KeyStore.getInstance("PKCS11", p11);
        ks.load(null, pin);
        Arrays.fill(pin, '\0');

        String alias = null;
        for (String a : Collections.list(ks.aliases())) {
            if (ks.isKeyEntry(a)) {
                if (alias != null)
                    throw new IllegalStateException("more than one private key on the token");
                alias = a;
            }
        }
        if (alias == null)
            throw new IllegalStateException("no private key on the token");
        PrivateKey key = (PrivateKey) ks.getKey(alias, null);
        List<Certificate> chain = new ArrayList<>(Arrays.asList(ks.getCertificateChain(alias)));
        X509Certificate signer = (X509Certificate) chain.get(0);

        SignatureInterface cms = (InputStream content) -> {
            try {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                content.transferTo(bytes);
                ContentSigner sha256rsa = new JcaContentSignerBuilder("SHA256withRSA").setProvider(p11).build(key);
                CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
                gen.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(
                        new JcaDigestCalculatorProviderBuilder().build()).build(sha256rsa, signer));
                gen.addCertificates(new JcaCertStore(chain));
                return gen.generate(new CMSProcessableByteArray(bytes.toByteArray()), false).getEncoded();
            } catch (Exception e) {
                throw new java.io.IOException(e);
            }
        };

        ByteArrayOutputStream unsigned = new ByteArrayOutputStream();
        try (PDDocument doc = new PDDocument()) {
            PDPage page = new PDPage();
            doc.addPage(page);
            try (PDPageContentStream text = new PDPageContentStream(doc, page)) {
                text.beginText();
                text.setFont(PDType1Font.HELVETICA, 14);
                text.newLineAtOffset(72, 700);
                text.showText("A filing signed through SunPKCS11 and jpki-pkcs11");
                text.endText();
            }
            doc.save(unsigned);
        }
        // A signature goes in an incremental update of a saved document.
        try (PDDocument doc = PDDocument.load(unsigned.toByteArray());
             OutputStream out = new FileOutputStream(args[1])) {
            PDSignature sig = new PDSignature();
            sig.setFilter(PDSignature.FILTER_ADOBE_PPKLITE);
            sig.setSubFilter(PDSignature.SUBFILTER_ADBE_PKCS7_DETACHED);
            sig.setReason("jpki-pkcs11 test");
            sig.setSignDate(Calendar.getInstance());
            doc.addSignature(sig, cms);
            doc.saveIncremental(out);
        }
        System.out.println("-----BEGIN CERTIFICATE-----");
        System.out.println(Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(signer.getEncoded()));
        System.out.println("-----END CERTIFICATE-----");
    }
}
