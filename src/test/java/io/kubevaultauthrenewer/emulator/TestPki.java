package io.kubevaultauthrenewer.emulator;

import static io.kubevaultauthrenewer.emulator.Certificates.PASSWORD;
import static io.kubevaultauthrenewer.emulator.Certificates.load;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x509.KeyPurposeId;

/**
 * A throw-away PKI made inside a test (with {@link Certificates}): a CA, a server certificate for the names
 * {@code vault.test} and {@code localhost} (not for 127.0.0.1), and a client certificate, as PEM files where a Vault
 * client expects them and as a TLS context for the emulator.
 */
public final class TestPki {

    public final Path caPem;
    public final Path clientCertPem;
    public final Path clientKeyPem;
    private final Path serverStore;

    private TestPki(Path dir) {
        this.caPem = dir.resolve("ca.pem");
        this.clientCertPem = dir.resolve("client.pem");
        this.clientKeyPem = dir.resolve("client-key.pem");
        this.serverStore = dir.resolve("server.p12");
    }

    /** Makes the CA and both certificates in {@code dir} (in-process, some milliseconds). */
    public static TestPki create(Path dir) {
        TestPki pki = new TestPki(dir);
        Certificates.Issued ca = Certificates.authority("CN=Test Vault CA");
        Certificates.writePem(pki.caPem, ca.certificate());

        Certificates.Issued server = Certificates.signed(
                ca, "CN=vault.test", null, Certificates.dns("vault.test"), Certificates.dns("localhost"));
        Certificates.writePem(dir.resolve("server.pem"), server.certificate());
        Certificates.writeStore(pki.serverStore, "server", server, ca.certificate());

        Certificates.Issued client =
                Certificates.signed(ca, "CN=kube-vault-auth-renewer", KeyPurposeId.id_kp_clientAuth);
        Certificates.writePem(pki.clientCertPem, client.certificate());
        Certificates.writeKeyPem(pki.clientKeyPem, client.keys().getPrivate());
        Certificates.writeStore(dir.resolve("client.p12"), "client", client, ca.certificate());
        return pki;
    }

    /** The emulator's side: the server certificate, and the CA for client certificates. */
    public SSLContext serverContext() {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(serverStore), PASSWORD.toCharArray());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(load(serverStore)); // holds the CA as a trusted entry
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the server's TLS context", e);
        }
    }
}
