package io.kubevaultauthrenewer.emulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Keys and certificates for the tests' PKIs ({@link TestPki}, the e2e tests' Jolokia certificates), made in-process with
 * BouncyCastle: EC secp256r1 keys, certificates valid from an hour ago for two days, signed SHA256withECDSA, with
 * subject key identifiers (and the CA's as the authority key identifier); written as PEM files (certificates, PKCS#8 keys) and PKCS#12 stores with the
 * password {@link #PASSWORD}.
 */
public final class Certificates {

    /** The password of every PKCS#12 store and key written here. */
    public static final String PASSWORD = "changeit";

    private static final SecureRandom RANDOM = new SecureRandom();

    /** A key pair and its certificate. */
    public record Issued(KeyPair keys, X509Certificate certificate) {}

    private Certificates() {}

    /** A self-signed CA: basicConstraints CA:true (critical), key usage keyCertSign and cRLSign. */
    public static Issued authority(String dname) {
        KeyPair keys = ecKeys();
        X500Principal name = new X500Principal(dname);
        return new Issued(keys, build(name, keys, name, keys, builder -> {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        }));
    }

    /**
     * A new key and a certificate for {@code dname} signed by {@code ca}, with this extended key usage (none when null)
     * and these subject alternative names (none when empty).
     */
    public static Issued signed(Issued ca, String dname, KeyPurposeId extendedKeyUsage, GeneralName... names) {
        KeyPair keys = ecKeys();
        return new Issued(
                keys,
                build(
                        new X500Principal(dname),
                        keys,
                        ca.certificate().getSubjectX500Principal(),
                        ca.keys(),
                        builder -> {
                            builder.addExtension(
                                    Extension.authorityKeyIdentifier,
                                    false,
                                    new JcaX509ExtensionUtils()
                                            .createAuthorityKeyIdentifier(
                                                    ca.keys().getPublic()));
                            if (extendedKeyUsage != null) {
                                builder.addExtension(
                                        Extension.extendedKeyUsage, false, new ExtendedKeyUsage(extendedKeyUsage));
                            }
                            if (names.length > 0) {
                                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
                            }
                        }));
    }

    /** A DNS name for {@link #signed}. */
    public static GeneralName dns(String name) {
        return new GeneralName(GeneralName.dNSName, name);
    }

    /** An IP address for {@link #signed}. */
    public static GeneralName ip(String address) {
        return new GeneralName(GeneralName.iPAddress, address);
    }

    /** Writes the certificate as PEM. */
    public static Path writePem(Path file, X509Certificate certificate) {
        try {
            return write(file, "CERTIFICATE", certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encode the certificate for " + file, e);
        }
    }

    /** Writes the private key as PKCS#8 PEM ({@code PRIVATE KEY}). */
    public static Path writeKeyPem(Path file, PrivateKey key) {
        return write(file, "PRIVATE KEY", key.getEncoded());
    }

    /**
     * Writes a PKCS#12 store holding the key and the chain (the certificate, then the CA's) under {@code alias}, and the
     * CA's certificate as the trusted entry {@code ca}.
     */
    public static Path writeStore(Path file, String alias, Issued issued, X509Certificate ca) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(alias, issued.keys().getPrivate(), PASSWORD.toCharArray(), new Certificate[] {
                issued.certificate(), ca
            });
            store.setCertificateEntry("ca", ca);
            try (OutputStream out = Files.newOutputStream(file)) {
                store.store(out, PASSWORD.toCharArray());
            }
            return file;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot write " + file, e);
        }
    }

    /** Reads a PKCS#12 store written by {@link #writeStore}. */
    public static KeyStore load(Path store) throws IOException, GeneralSecurityException {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, PASSWORD.toCharArray());
        }
        return keys;
    }

    private static Path write(Path file, String type, byte[] der) {
        try {
            return Files.writeString(
                    file,
                    "-----BEGIN " + type + "-----\n"
                            + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                            + "\n-----END " + type + "-----\n");
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file, e);
        }
    }

    private static KeyPair ecKeys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make an EC key", e);
        }
    }

    private interface Extensions {
        void addTo(X509v3CertificateBuilder builder) throws CertIOException, GeneralSecurityException;
    }

    private static X509Certificate build(
            X500Principal subject,
            KeyPair subjectKeys,
            X500Principal issuer,
            KeyPair issuerKeys,
            Extensions extensions) {
        try {
            Instant notBefore = Instant.now().minus(Duration.ofHours(1));
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    issuer,
                    new BigInteger(64, RANDOM).add(BigInteger.ONE),
                    Date.from(notBefore),
                    Date.from(notBefore.plus(Duration.ofDays(2))),
                    subject,
                    subjectKeys.getPublic());
            builder.addExtension(
                    Extension.subjectKeyIdentifier,
                    false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(subjectKeys.getPublic()));
            extensions.addTo(builder);
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(
                            new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make the certificate of " + subject, e);
        }
    }
}
