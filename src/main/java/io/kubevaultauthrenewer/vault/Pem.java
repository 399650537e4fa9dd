package io.kubevaultauthrenewer.vault;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The PEM files of Vault's TLS variables: certificates (a file, or a directory of files) and a private key. Every
 * problem is an {@link IllegalArgumentException} naming the variable and the file, never the file's content.
 */
final class Pem {

    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    private Pem() {}

    /** The certificates of a PEM file (a bundle may hold several); at least one. */
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

    /** The certificates of every file in a directory that holds one (others, a README, are passed over); at least one. */
    static List<X509Certificate> certificatesIn(String variable, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(variable + "=" + dir + " is not a directory");
        }
        List<X509Certificate> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                if (read(variable, file).contains("-----BEGIN CERTIFICATE-----")) {
                    all.addAll(certificates(variable, file));
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(variable + "=" + dir + " cannot be listed: " + e.getMessage());
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException(variable + "=" + dir + " holds no PEM certificate");
        }
        return all;
    }

    /** The first private key of a PEM file: PKCS#8 ("PRIVATE KEY") or PKCS#1 RSA ("RSA PRIVATE KEY"). */
    static PrivateKey privateKey(String variable, Path file) {
        for (Block block : blocks(variable, file)) {
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
            throw new IllegalArgumentException(variable + "=" + file + " holds a key of an unknown kind");
        }
        throw new IllegalArgumentException(variable + "=" + file
                + " holds no PEM private key (PKCS#8 \"PRIVATE KEY\" or \"RSA PRIVATE KEY\"; convert others with"
                + " openssl pkcs8 -topk8 -nocrypt)");
    }

    private record Block(String type, byte[] der) {}

    private static List<Block> blocks(String variable, Path file) {
        String text = read(variable, file);
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
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
