package io.kubevaultauthrenewer.vault;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

    /** Reads every file; one line per problem, naming its variable (never a file's content). */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        List<Runnable> parts = List.of(
                () -> {
                    if (caCert != null) {
                        Pem.certificates("VAULT_CACERT", caCert);
                    }
                },
                () -> {
                    if (caPath != null) {
                        Pem.certificatesIn("VAULT_CAPATH", caPath);
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
            cas.addAll(Pem.certificates("VAULT_CACERT", caCert));
        }
        if (caPath != null) {
            cas.addAll(Pem.certificatesIn("VAULT_CAPATH", caPath));
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

    private KeyManagerFactory clientKeys() throws GeneralSecurityException {
        if (clientCert == null || clientKey == null) {
            throw new IllegalArgumentException(
                    "VAULT_CLIENT_CERT and VAULT_CLIENT_KEY go together: set both or neither");
        }
        List<X509Certificate> chain = Pem.certificates("VAULT_CLIENT_CERT", clientCert);
        PrivateKey key = Pem.privateKey("VAULT_CLIENT_KEY", clientKey);
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
}
