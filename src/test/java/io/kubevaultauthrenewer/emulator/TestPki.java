package io.kubevaultauthrenewer.emulator;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away PKI made inside a test with the JDK's keytool: a CA, a server certificate for the names
 * {@code vault.test} and {@code localhost} (not for 127.0.0.1), and a client certificate, as PEM files where a Vault
 * client expects them and as a TLS context for the emulator.
 */
public final class TestPki {

    private static final String PASSWORD = "changeit";

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

    /** Makes the CA and both certificates in {@code dir} (about a second of keytool runs). */
    public static TestPki create(Path dir) {
        TestPki pki = new TestPki(dir);
        pki.keytool(
                dir,
                "-genkeypair",
                "-alias",
                "ca",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=Test Vault CA",
                "-ext",
                "bc:c",
                "-validity",
                "2",
                "-keystore",
                "ca.p12");
        pki.keytool(dir, "-exportcert", "-alias", "ca", "-rfc", "-file", "ca.pem", "-keystore", "ca.p12");
        pki.signed(dir, "server", "CN=vault.test", "SAN=dns:vault.test,dns:localhost");
        pki.signed(dir, "client", "CN=kube-vault-auth-renewer", "EKU=clientAuth");
        pki.exportKey(dir.resolve("client.p12"), "client", pki.clientKeyPem);
        return pki;
    }

    private void signed(Path dir, String alias, String dname, String extension) {
        String store = alias + ".p12";
        keytool(
                dir,
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
        keytool(dir, "-certreq", "-alias", alias, "-file", alias + ".csr", "-keystore", store);
        keytool(
                dir,
                "-gencert",
                "-alias",
                "ca",
                "-infile",
                alias + ".csr",
                "-outfile",
                alias + ".pem",
                "-rfc",
                "-ext",
                extension,
                "-validity",
                "2",
                "-keystore",
                "ca.p12");
        keytool(dir, "-importcert", "-alias", "ca", "-file", "ca.pem", "-noprompt", "-keystore", store);
        keytool(dir, "-importcert", "-alias", alias, "-file", alias + ".pem", "-keystore", store);
    }

    private void keytool(Path dir, String... args) {
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

    private static KeyStore load(Path store) throws IOException, GeneralSecurityException {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, PASSWORD.toCharArray());
        }
        return keys;
    }

    private void exportKey(Path store, String alias, Path pem) {
        try {
            byte[] pkcs8 = load(store).getKey(alias, PASSWORD.toCharArray()).getEncoded();
            Files.writeString(
                    pem,
                    "-----BEGIN PRIVATE KEY-----\n"
                            + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pkcs8)
                            + "\n-----END PRIVATE KEY-----\n");
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot export the key of " + alias, e);
        }
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
