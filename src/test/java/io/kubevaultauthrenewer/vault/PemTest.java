package io.kubevaultauthrenewer.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevaultauthrenewer.emulator.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PEM files of VAULT_CACERT, VAULT_CAPATH, VAULT_CLIENT_CERT and VAULT_CLIENT_KEY, and every way they go wrong. */
class PemTest {

    @TempDir
    static Path pkiDir;

    static TestPki pki;

    @TempDir
    Path dir;

    @BeforeAll
    static void makeThePki() {
        pki = TestPki.create(pkiDir);
    }

    private Path file(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    @Test
    void readsEveryCertificateOfABundle() throws IOException {
        Path bundle = file("bundle.pem", Files.readString(pki.caPem) + Files.readString(pki.clientCertPem));

        assertThat(Pem.certificates("VAULT_CACERT", bundle))
                .extracting(c -> c.getSubjectX500Principal().getName())
                .containsExactly("CN=Test Vault CA", "CN=kube-vault-auth-renewer");
    }

    @Test
    void namesTheVariableAndTheFileThatIsMissing() {
        Path missing = dir.resolve("missing.pem");

        assertThatThrownBy(() -> Pem.certificates("VAULT_CACERT", missing))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("VAULT_CACERT=" + missing + " is not a file");
    }

    @Test
    void namesAFileWithoutACertificateWithoutShowingIt() throws IOException {
        Path key = file("key.pem", "secret-key-material\n" + Files.readString(pki.clientKeyPem));

        assertThatThrownBy(() -> Pem.certificates("VAULT_CLIENT_CERT", key))
                .hasMessage("VAULT_CLIENT_CERT=" + key + " holds no PEM certificate")
                .hasMessageNotContaining("secret-key-material");
    }

    @Test
    void namesACertificateThatCannotBeRead() throws IOException {
        Path broken = file("broken.pem", pem("CERTIFICATE", "not a certificate".getBytes()));

        assertThatThrownBy(() -> Pem.certificates("VAULT_CACERT", broken))
                .hasMessageStartingWith("VAULT_CACERT=" + broken + " holds a certificate that cannot be read: ");
    }

    @Test
    void namesABlockThatIsNotBase64() throws IOException {
        Path broken = file("broken.pem", "-----BEGIN CERTIFICATE-----\nQQ==QQ==QQ\n-----END CERTIFICATE-----\n");

        assertThatThrownBy(() -> Pem.certificates("VAULT_CACERT", broken))
                .hasMessage("VAULT_CACERT=" + broken + " holds a PEM block that is not Base64");
    }

    @Test
    void readsTheCertificatesOfADirectoryPassingOverOtherFiles() throws IOException {
        Path cas = Files.createDirectories(dir.resolve("cas"));
        Files.copy(pki.caPem, cas.resolve("a-ca.pem"));
        Files.copy(pki.clientCertPem, cas.resolve("b-other.pem"));
        Files.writeString(cas.resolve("README"), "not a certificate\n");
        Files.createDirectories(cas.resolve("old"));

        assertThat(Pem.certificatesIn("VAULT_CAPATH", cas))
                .extracting(X509Certificate::getSubjectX500Principal)
                .extracting(Object::toString)
                .containsExactly("CN=Test Vault CA", "CN=kube-vault-auth-renewer");
    }

    @Test
    void namesADirectoryThatIsNoneOrHoldsNoCertificate() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.writeString(empty.resolve("README"), "not a certificate\n");

        assertThatThrownBy(() -> Pem.certificatesIn("VAULT_CAPATH", pki.caPem))
                .hasMessage("VAULT_CAPATH=" + pki.caPem + " is not a directory");
        assertThatThrownBy(() -> Pem.certificatesIn("VAULT_CAPATH", empty))
                .hasMessage("VAULT_CAPATH=" + empty + " holds no PEM certificate");
    }

    @Test
    void readsAPkcs8Key() {
        PrivateKey key = Pem.privateKey("VAULT_CLIENT_KEY", pki.clientKeyPem);

        assertThat(key.getAlgorithm()).isEqualTo("EC");
        assertThat(key.getFormat()).isEqualTo("PKCS#8");
    }

    @Test
    void readsAPkcs1RsaKeyAsOpensslWritesIt() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        PrivateKey original = rsa.generateKeyPair().getPrivate();
        Path file = file("rsa.pem", pem("RSA PRIVATE KEY", pkcs1Of(original.getEncoded())));

        PrivateKey read = Pem.privateKey("VAULT_CLIENT_KEY", file);

        assertThat(read.getAlgorithm()).isEqualTo("RSA");
        assertThat(read.getEncoded()).isEqualTo(original.getEncoded());
    }

    /** The RSAPrivateKey inside a PKCS#8 PrivateKeyInfo: the content of its last field, the OCTET STRING. */
    private static byte[] pkcs1Of(byte[] pkcs8) {
        int offset = headerLength(pkcs8, 0) + 3 + 15; // the SEQUENCE, the version 0, the rsaEncryption algorithm
        return Arrays.copyOfRange(pkcs8, offset + headerLength(pkcs8, offset), pkcs8.length);
    }

    private static int headerLength(byte[] der, int at) {
        return 2 + ((der[at + 1] & 0x80) == 0 ? 0 : der[at + 1] & 0x7f);
    }

    @Test
    void namesAFileWithoutAKeyWithoutShowingIt() throws IOException {
        Path notPem = file("key.pem", "secret-key-material-not-pem\n");

        assertThatThrownBy(() -> Pem.privateKey("VAULT_CLIENT_KEY", notPem))
                .hasMessageStartingWith("VAULT_CLIENT_KEY=" + notPem + " holds no PEM private key")
                .hasMessageNotContaining("secret-key-material");
        assertThatThrownBy(() -> Pem.privateKey("VAULT_CLIENT_KEY", pki.clientCertPem))
                .hasMessageStartingWith("VAULT_CLIENT_KEY=" + pki.clientCertPem + " holds no PEM private key");
    }

    @Test
    void namesAKeyOfAnUnknownKind() throws IOException {
        Path odd = file("odd.pem", pem("PRIVATE KEY", "secret-key-material".getBytes()));

        assertThatThrownBy(() -> Pem.privateKey("VAULT_CLIENT_KEY", odd))
                .hasMessage("VAULT_CLIENT_KEY=" + odd + " holds a key of an unknown kind");
    }
}
