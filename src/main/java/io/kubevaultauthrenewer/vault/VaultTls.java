package io.kubevaultauthrenewer.vault;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.io.HttpClientConnectionManager;
import org.apache.hc.client5.http.ssl.DefaultHostnameVerifier;
import org.apache.hc.client5.http.ssl.HttpClientHostnameVerifier;
import org.apache.hc.client5.http.ssl.SSLConnectionSocketFactory;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.util.Timeout;

/**
 * The TLS side of the Vault client settings every Vault client honours: {@code VAULT_CACERT} (a PEM bundle),
 * {@code VAULT_CAPATH} (a directory of PEM files), {@code VAULT_CLIENT_CERT} and {@code VAULT_CLIENT_KEY} (PEM, for
 * mutual TLS), {@code VAULT_SKIP_VERIFY} and {@code VAULT_TLS_SERVER_NAME}.
 *
 * @param caCert PEM bundle of the CAs to trust instead of the JVM's; null for none
 * @param caPath directory of PEM files of CAs to trust instead of the JVM's; null for none
 * @param clientCert PEM certificate (chain) to present; null for none
 * @param clientKey PEM private key of {@code clientCert} (PKCS#8, or PKCS#1 RSA); null for none
 * @param skipVerify true to accept any server certificate and name (unsafe)
 * @param serverName the name to send as SNI and to check the certificate against; null for the URL's host
 */
public record VaultTls(
        Path caCert, Path caPath, Path clientCert, Path clientKey, boolean skipVerify, String serverName) {

    private static final Pattern PEM =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    /** Reads every file; one line per problem, naming its variable (never a file's content). */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        List<Runnable> parts = List.of(
                () -> {
                    if (caCert != null) {
                        certificates("VAULT_CACERT", caCert);
                    }
                },
                () -> {
                    if (caPath != null) {
                        certificatesIn(caPath);
                    }
                },
                () -> {
                    if (clientCert != null || clientKey != null) {
                        try {
                            clientKeys();
                        } catch (GeneralSecurityException e) {
                            throw new IllegalArgumentException(
                                    "VAULT_CLIENT_CERT and VAULT_CLIENT_KEY do not make a key pair: " + e.getMessage());
                        }
                    }
                });
        for (Runnable part : parts) {
            try {
                part.run();
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (problems.isEmpty()) {
            try {
                sslContext();
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        return problems;
    }

    /**
     * Reads every file and builds the TLS context.
     *
     * @throws IllegalArgumentException naming the variable whose file is missing, unreadable or not PEM
     */
    public SSLContext sslContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            KeyManagerFactory keys = null;
            if (clientCert != null || clientKey != null) {
                keys = clientKeys();
            }
            TrustManager[] trust = skipVerify ? new TrustManager[] {new TrustingAnything()} : trustManagers();
            context.init(keys == null ? null : keys.getKeyManagers(), trust, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot set up TLS to Vault: " + e.getMessage(), e);
        }
    }

    /**
     * The HTTP client's connections to Vault: this TLS context, the SNI and host-name check of
     * {@code VAULT_TLS_SERVER_NAME} (none with {@code VAULT_SKIP_VERIFY}), and the timeouts.
     */
    public HttpClientConnectionManager connections(Duration connectTimeout, Duration socketTimeout) {
        HostnameVerifier hostnames = skipVerify ? (host, session) -> true : new ServerNameCheck(serverName);
        SSLConnectionSocketFactory tls = new SSLConnectionSocketFactory(sslContext(), hostnames) {
            @Override
            protected void prepareSocket(SSLSocket socket, HttpContext context) throws IOException {
                if (serverName != null) {
                    SSLParameters parameters = socket.getSSLParameters();
                    parameters.setServerNames(List.of(new SNIHostName(serverName)));
                    socket.setSSLParameters(parameters);
                }
            }
        };
        return PoolingHttpClientConnectionManagerBuilder.create()
                .setSSLSocketFactory(tls)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(connectTimeout))
                        .setSocketTimeout(Timeout.of(socketTimeout))
                        .build())
                .build();
    }

    private TrustManager[] trustManagers() throws GeneralSecurityException {
        List<X509Certificate> cas = new ArrayList<>();
        if (caCert != null) {
            cas.addAll(certificates("VAULT_CACERT", caCert));
        }
        if (caPath != null) {
            cas.addAll(certificatesIn(caPath));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (cas.isEmpty()) {
            factory.init((KeyStore) null); // the JVM's own
        } else {
            KeyStore store = emptyStore();
            for (int i = 0; i < cas.size(); i++) {
                store.setCertificateEntry("ca-" + i, cas.get(i));
            }
            factory.init(store);
        }
        return factory.getTrustManagers();
    }

    private List<X509Certificate> certificatesIn(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("VAULT_CAPATH=" + dir + " is not a directory");
        }
        List<X509Certificate> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                String text = read("VAULT_CAPATH", file);
                if (text.contains("-----BEGIN CERTIFICATE-----")) {
                    all.addAll(certificates("VAULT_CAPATH", file));
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("VAULT_CAPATH=" + dir + " cannot be listed: " + e.getMessage());
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException("VAULT_CAPATH=" + dir + " holds no PEM certificate");
        }
        return all;
    }

    private KeyManagerFactory clientKeys() throws GeneralSecurityException {
        if (clientCert == null || clientKey == null) {
            throw new IllegalArgumentException(
                    "VAULT_CLIENT_CERT and VAULT_CLIENT_KEY go together: set both or neither");
        }
        List<X509Certificate> chain = certificates("VAULT_CLIENT_CERT", clientCert);
        PrivateKey key = privateKey(clientKey);
        KeyStore store = emptyStore();
        store.setKeyEntry("client", key, new char[0], chain.toArray(Certificate[]::new));
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, new char[0]);
        return factory;
    }

    private static KeyStore emptyStore() throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        return store;
    }

    static List<X509Certificate> certificates(String variable, Path file) {
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block block : blocks(variable, file)) {
                if (block.type().equals("CERTIFICATE")) {
                    certificates.add(
                            (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    variable + "=" + file + " holds a certificate that cannot be read: " + e.getMessage());
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException(variable + "=" + file + " holds no PEM certificate");
        }
        return certificates;
    }

    /** The key of VAULT_CLIENT_KEY; its content never appears in a message. */
    static PrivateKey privateKey(Path file) {
        for (Block block : blocks("VAULT_CLIENT_KEY", file)) {
            byte[] pkcs8 = switch (block.type()) {
                case "PRIVATE KEY" -> block.der();
                case "RSA PRIVATE KEY" -> Der.pkcs8FromPkcs1Rsa(block.der());
                default -> null;
            };
            if (pkcs8 == null) {
                continue;
            }
            for (String algorithm : List.of("RSA", "EC", "Ed25519", "EdDSA")) {
                try {
                    return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
                } catch (GeneralSecurityException e) {
                    // try the next algorithm
                }
            }
            throw new IllegalArgumentException("VAULT_CLIENT_KEY=" + file + " holds a key of an unknown kind");
        }
        throw new IllegalArgumentException("VAULT_CLIENT_KEY=" + file
                + " holds no PEM private key (PKCS#8 \"PRIVATE KEY\" or \"RSA PRIVATE KEY\"; convert others with"
                + " openssl pkcs8 -topk8 -nocrypt)");
    }

    private record Block(String type, byte[] der) {}

    private static List<Block> blocks(String variable, Path file) {
        String text = read(variable, file);
        List<Block> blocks = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            try {
                blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(variable + "=" + file + " holds a PEM block that is not Base64");
            }
        }
        return blocks;
    }

    private static String read(String variable, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(variable + "=" + file + " is not a file");
        }
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    variable + "=" + file + " cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * The host-name check against VAULT_TLS_SERVER_NAME when it is set, else the URL's host. The HTTP client calls it
     * with the certificate, so that a refusal names the name checked, not the URL's host.
     */
    private record ServerNameCheck(String serverName) implements HttpClientHostnameVerifier {
        private static final DefaultHostnameVerifier STANDARD = new DefaultHostnameVerifier();

        @Override
        public void verify(String host, X509Certificate certificate) throws SSLException {
            STANDARD.verify(serverName != null ? serverName : host, certificate);
        }

        @Override
        public boolean verify(String host, SSLSession session) {
            return STANDARD.verify(serverName != null ? serverName : host, session);
        }
    }

    /** VAULT_SKIP_VERIFY: accepts any server certificate. */
    private static final class TrustingAnything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /** Just enough DER to wrap a PKCS#1 RSA key into PKCS#8. */
    static final class Der {
        private static final byte[] RSA_ALGORITHM = {
            0x30,
            0x0d,
            0x06,
            0x09,
            0x2a,
            (byte) 0x86,
            0x48,
            (byte) 0x86,
            (byte) 0xf7,
            0x0d,
            0x01,
            0x01,
            0x01,
            0x05,
            0x00
        };

        private Der() {}

        static byte[] pkcs8FromPkcs1Rsa(byte[] pkcs1) {
            byte[] version = {0x02, 0x01, 0x00};
            byte[] octets = tlv(0x04, pkcs1);
            byte[] body = new byte[version.length + RSA_ALGORITHM.length + octets.length];
            System.arraycopy(version, 0, body, 0, version.length);
            System.arraycopy(RSA_ALGORITHM, 0, body, version.length, RSA_ALGORITHM.length);
            System.arraycopy(octets, 0, body, version.length + RSA_ALGORITHM.length, octets.length);
            return tlv(0x30, body);
        }

        private static byte[] tlv(int tag, byte[] value) {
            int n = value.length;
            byte[] length;
            if (n < 0x80) {
                length = new byte[] {(byte) n};
            } else if (n < 0x100) {
                length = new byte[] {(byte) 0x81, (byte) n};
            } else if (n < 0x10000) {
                length = new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
            } else {
                length = new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
            }
            byte[] out = new byte[1 + length.length + n];
            out[0] = (byte) tag;
            System.arraycopy(length, 0, out, 1, length.length);
            System.arraycopy(value, 0, out, 1 + length.length, n);
            return out;
        }
    }
}
