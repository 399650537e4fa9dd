package io.kubevaultauthrenewer.e2e;

import io.kubevaultauthrenewer.emulator.Certificates;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;

/**
 * A CA and certificates made inside a test (with {@link Certificates}), as for Hawtio Online: the CA as PEM (what the
 * Jolokia agent is told to trust, like OpenShift's service CA), each client's key and certificate chain as a PKCS#12
 * store and the TLS context a client presents it with, and a server certificate and key as PEM files for the agent.
 */
final class JolokiaCertificates {

    /** The CA's certificate, PEM. */
    final Path caPem;

    private final Path dir;
    private final Certificates.Issued ca;

    private JolokiaCertificates(Path dir, Certificates.Issued ca) {
        this.dir = dir;
        this.ca = ca;
        this.caPem = Certificates.writePem(dir.resolve("ca.pem"), ca.certificate());
    }

    /** Makes the CA in {@code dir}. */
    static JolokiaCertificates create(Path dir) {
        return new JolokiaCertificates(dir, Certificates.authority("CN=Test Service CA"));
    }

    /**
     * A key and a certificate for {@code dname} signed by the CA, with this extended key usage ({@code clientAuth},
     * {@code serverAuth}); returns the PKCS#12 store holding them.
     */
    Path signed(String alias, String dname, String extendedKeyUsage) {
        return issue(alias, dname, extendedKeyUsage).store;
    }

    /** The agent's certificate for 127.0.0.1 (PEM) and its key (PKCS#8 PEM), signed by the CA. */
    record Server(Path certificatePem, Path keyPem) {}

    Server server(String alias) {
        Signed server = issue(alias, "CN=" + alias, "serverAuth", Certificates.ip("127.0.0.1"));
        Path key = Certificates.writeKeyPem(
                dir.resolve(alias + "-key.pem"), server.issued.keys().getPrivate());
        return new Server(server.certificatePem, key);
    }

    private record Signed(Certificates.Issued issued, Path certificatePem, Path store) {}

    /** Writes the certificate ({@code alias.pem}) and the store ({@code alias.p12}: key, chain and the CA). */
    private Signed issue(String alias, String dname, String extendedKeyUsage, GeneralName... names) {
        KeyPurposeId usage = switch (extendedKeyUsage) {
            case "clientAuth" -> KeyPurposeId.id_kp_clientAuth;
            case "serverAuth" -> KeyPurposeId.id_kp_serverAuth;
            default -> throw new IllegalArgumentException("no such extended key usage: " + extendedKeyUsage);
        };
        Certificates.Issued issued = Certificates.signed(ca, dname, usage, names);
        return new Signed(
                issued,
                Certificates.writePem(dir.resolve(alias + ".pem"), issued.certificate()),
                Certificates.writeStore(dir.resolve(alias + ".p12"), alias, issued, ca.certificate()));
    }

    /**
     * A client's TLS context: this store's certificate (none when null), and any server certificate accepted, as
     * Hawtio Online's gateway accepts the agent's (it calls pods by IP, with {@code rejectUnauthorized: false}): the
     * agent makes its own self-signed one when given none.
     */
    static SSLContext clientContext(Path store) {
        return context(store, new TrustManager[] {new AnyServer()});
    }

    /** A client's TLS context with this store's certificate that trusts only the CA (and checks the name). */
    SSLContext clientContextTrustingTheCa(Path store) {
        try {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            try (InputStream in = Files.newInputStream(caPem)) {
                trusted.setCertificateEntry(
                        "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trusted);
            return context(store, factory.getTrustManagers());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot trust " + caPem, e);
        }
    }

    private static SSLContext context(Path store, TrustManager[] trust) {
        try {
            KeyManager[] keys = null;
            if (store != null) {
                KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                factory.init(Certificates.load(store), Certificates.PASSWORD.toCharArray());
                keys = factory.getKeyManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a client TLS context from " + store, e);
        }
    }

    /** Accepts every server certificate and name (an extended trust manager: the JDK then checks no name either). */
    private static final class AnyServer extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
