package io.kubevaultauthrenewer.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A CA and certificates made with the JDK's keytool inside a test, as for Hawtio Online: the CA as PEM (what the
 * Jolokia agent is told to trust, like OpenShift's service CA), each client's key and certificate chain as a PKCS#12
 * store and the TLS context a client presents it with, and a server certificate and key as PEM files for the agent.
 */
final class JolokiaCertificates {

    private static final String PASSWORD = "changeit";

    /** The CA's certificate, PEM. */
    final Path caPem;

    private final Path dir;

    private JolokiaCertificates(Path dir) {
        this.dir = dir;
        this.caPem = dir.resolve("ca.pem");
    }

    /** Makes the CA in {@code dir}. */
    static JolokiaCertificates create(Path dir) {
        JolokiaCertificates pki = new JolokiaCertificates(dir);
        pki.keytool(
                "-genkeypair",
                "-alias",
                "ca",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=Test Service CA",
                "-ext",
                "bc:c",
                "-validity",
                "2",
                "-keystore",
                "ca.p12");
        pki.keytool("-exportcert", "-alias", "ca", "-rfc", "-file", "ca.pem", "-keystore", "ca.p12");
        return pki;
    }

    /**
     * A key and a certificate for {@code dname} signed by the CA, with this extended key usage ({@code clientAuth},
     * {@code serverAuth}); returns the PKCS#12 store holding them.
     */
    Path signed(String alias, String dname, String extendedKeyUsage) {
        return signed(alias, dname, new String[] {"-ext", "EKU=" + extendedKeyUsage});
    }

    /** The agent's certificate for 127.0.0.1 (PEM) and its key (PKCS#8 PEM), signed by the CA. */
    record Server(Path certificatePem, Path keyPem) {}

    Server server(String alias) {
        Path store = signed(alias, "CN=" + alias, new String[] {"-ext", "EKU=serverAuth", "-ext", "SAN=ip:127.0.0.1"});
        Path key = dir.resolve(alias + "-key.pem");
        try {
            KeyStore keyStore = load(store);
            byte[] pkcs8 = keyStore.getKey(alias, PASSWORD.toCharArray()).getEncoded();
            Files.writeString(
                    key,
                    "-----BEGIN PRIVATE KEY-----\n"
                            + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pkcs8)
                            + "\n-----END PRIVATE KEY-----\n");
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot export the key of " + alias, e);
        }
        return new Server(dir.resolve(alias + ".pem"), key);
    }

    private Path signed(String alias, String dname, String[] extensions) {
        String store = alias + ".p12";
        keytool(
                "-genkeypair",
                "-alias",
                alias,
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                dname,
                "-validity",
                "2",
                "-keystore",
                store);
        keytool("-certreq", "-alias", alias, "-file", alias + ".csr", "-keystore", store);
        List<String> gencert = new ArrayList<>(
                List.of("-gencert", "-alias", "ca", "-infile", alias + ".csr", "-outfile", alias + ".pem", "-rfc"));
        gencert.addAll(List.of(extensions));
        gencert.addAll(List.of("-validity", "2", "-keystore", "ca.p12"));
        keytool(gencert.toArray(String[]::new));
        keytool("-importcert", "-alias", "ca", "-file", "ca.pem", "-noprompt", "-keystore", store);
        keytool("-importcert", "-alias", alias, "-file", alias + ".pem", "-keystore", store);
        return dir.resolve(store);
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
                factory.init(load(store), PASSWORD.toCharArray());
                keys = factory.getKeyManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a client TLS context from " + store, e);
        }
    }

    private static KeyStore load(Path store) throws IOException, GeneralSecurityException {
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, PASSWORD.toCharArray());
        }
        return keyStore;
    }

    private void keytool(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD));
        try {
            Process p = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run keytool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
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
