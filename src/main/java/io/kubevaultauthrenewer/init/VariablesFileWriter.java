package io.kubevaultauthrenewer.init;

import io.kubevaultauthrenewer.config.VariablesFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Writes the variables file that the app container sources with {@code . /env/variables} and the renewer reads with
 * {@link VariablesFile}: {@code export VAULT_TOKEN=…}, one {@code export NAME=…} per secret, {@code export LEASE_IDS=…}.
 *
 * <p>Every value is put in POSIX single quotes, a {@code '} inside becoming {@code '\''} (close the quote, an escaped
 * quote, open again). Between single quotes the shell takes every byte literally, newlines included, so that any
 * POSIX {@code sh} (dash, busybox ash, bash) yields each value byte for byte. This is our own code because no
 * well-kept Java library writes shell-quoted assignments, and the rule is these few lines.
 *
 * <p>The file is replaced atomically: a reader sees the old file or the new one, never a half-written one. Values
 * never appear in an exception message; errors name the variable or the file.
 */
public final class VariablesFileWriter {

    /** rw-r-----: the app container may run as another user of the pod's fsGroup; nobody else reads the secrets. */
    public static final Set<PosixFilePermission> DEFAULT_PERMISSIONS = PosixFilePermissions.fromString("rw-r-----");

    public static final String TOKEN_NAME = "VAULT_TOKEN";
    public static final String LEASE_IDS_NAME = "LEASE_IDS";

    private static final Pattern SHELL_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** O_CREAT | O_EXCL (which never follows a link), O_NOFOLLOW, for writing. */
    private static final Set<OpenOption> CREATE_EXCLUSIVELY =
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Bytes written per call: a heap buffer is copied into a direct one as large as the write (8 MB at most). */
    private static final int CHUNK = 64 * 1024;

    private VariablesFileWriter() {}

    /**
     * The file's content: the token first, the secrets in the given order, the lease ids (each once, in order, empty
     * ones skipped, comma-joined) last; one {@code export NAME='value'} line each, every line ending in a new line.
     *
     * @param secrets the app's variables: names must be shell identifiers, distinct, and neither VAULT_TOKEN nor
     *     LEASE_IDS (a later line would silently replace those)
     * @throws IllegalArgumentException naming the variable (never its value) for a name that is not a shell
     *     identifier, a repeated name, a value holding a NUL byte (an environment cannot hold one) or a lone
     *     surrogate (UTF-8 cannot encode one), or a lease id that the renewer would read back differently
     */
    public static String render(String token, List<Map.Entry<String, String>> secrets, List<String> leaseIds) {
        Objects.requireNonNull(secrets, "secrets");
        Objects.requireNonNull(leaseIds, "leaseIds");
        StringBuilder out = new StringBuilder();
        appendExport(out, TOKEN_NAME, token);
        Set<String> seen = new HashSet<>(Set.of(TOKEN_NAME, LEASE_IDS_NAME));
        for (Map.Entry<String, String> secret : secrets) {
            String name = secret.getKey();
            checkName(name);
            if (!seen.add(name)) {
                throw new IllegalArgumentException("the secret variable " + name
                        + (name.equals(TOKEN_NAME) || name.equals(LEASE_IDS_NAME)
                                ? " is the renewer's own: it would replace the one the renewer writes"
                                : " is given twice: the shell would keep only the last"));
            }
            appendExport(out, name, secret.getValue());
        }
        appendExport(out, LEASE_IDS_NAME, joinLeaseIds(leaseIds));
        return out.toString();
    }

    /** Writes {@code content} to {@code file} with {@link #DEFAULT_PERMISSIONS}; see {@link #write(Path, String, Set)}. */
    public static void write(Path file, String content) throws IOException {
        write(file, content, DEFAULT_PERMISSIONS);
    }

    /**
     * Replaces {@code file} atomically with {@code content} (UTF-8): a temporary file with a random name in the same
     * directory, created exclusively (never an existing file, never through a symbolic link) with {@code permissions}
     * where the file system has POSIX permissions, written and forced to disk through the channel that created it,
     * then renamed over {@code file}. The permissions are set again through a descriptor that refuses a link (the
     * umask may have narrowed them), and the temporary file must still be the regular file written, with its size, at
     * the rename: a temporary file swapped for a link in between fails the write and nothing is renamed. On any
     * failure the temporary file is deleted and {@code file} is left as it was.
     *
     * @throws IllegalArgumentException naming the file when the content is not valid Unicode or is larger than the
     *     renewer reads ({@link VariablesFile#MAX_BYTES}); nothing is written then
     * @throws IOException naming the file when it could not be written
     */
    public static void write(Path file, String content, Set<PosixFilePermission> permissions) throws IOException {
        write(file, content, permissions, created -> {});
    }

    /** As {@link #write(Path, String, Set)}; {@code created} is called with the temporary file once it exists. */
    static void write(Path file, String content, Set<PosixFilePermission> permissions, Consumer<Path> created)
            throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(permissions, "permissions");
        byte[] bytes = encode(file, content);
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Path tmp = null;
        try {
            boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
            FileAttribute<?>[] attributes = posix
                    ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)}
                    : new FileAttribute<?>[0];
            Path name =
                    dir.resolve("." + target.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong()) + ".tmp");
            try (FileChannel channel = FileChannel.open(name, CREATE_EXCLUSIVELY, attributes)) {
                tmp = name;
                created.accept(tmp);
                if (posix) {
                    Files.getFileAttributeView(tmp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                            .setPermissions(permissions);
                }
                for (int offset = 0; offset < bytes.length; offset += CHUNK) {
                    ByteBuffer chunk = ByteBuffer.wrap(bytes, offset, Math.min(CHUNK, bytes.length - offset));
                    while (chunk.hasRemaining()) {
                        channel.write(chunk);
                    }
                }
                channel.force(true);
            }
            BasicFileAttributes written =
                    Files.readAttributes(tmp, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!written.isRegularFile() || written.size() != bytes.length) {
                throw new IOException("its temporary file " + tmp.getFileName() + " was replaced while being written");
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (Throwable failure) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    failure.addSuppressed(e);
                }
            }
            if (failure instanceof IOException e) {
                throw new IOException(file + " could not be written: " + describe(e), e);
            }
            throw failure;
        }
    }

    /** {@code value} in POSIX single quotes: {@code it's} becomes {@code 'it'\''s'}. */
    static String quote(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }

    private static void appendExport(StringBuilder out, String name, String value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " has no value");
        }
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(name + " holds a NUL byte, which an environment variable cannot hold");
        }
        if (!isWellFormed(value)) {
            throw new IllegalArgumentException(name + " holds a lone UTF-16 surrogate, which UTF-8 cannot encode");
        }
        out.append("export ").append(name).append('=').append(quote(value)).append('\n');
    }

    private static void checkName(String name) {
        if (name == null || !SHELL_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("the secret variable name '" + name
                    + "' is not a shell identifier (letters, digits and _, not starting with a digit)");
        }
    }

    /** The ids comma-joined as the renewer splits them again: each once, in order, empty ones skipped. */
    private static String joinLeaseIds(List<String> leaseIds) {
        Set<String> ids = new LinkedHashSet<>();
        int position = 0;
        for (String id : leaseIds) {
            position++;
            if (id == null || id.isBlank()) {
                continue;
            }
            if (id.indexOf(',') >= 0) {
                throw new IllegalArgumentException(
                        LEASE_IDS_NAME + ": lease id #" + position + " holds a comma, which separates the ids");
            }
            if (!id.strip().equals(id)) {
                throw new IllegalArgumentException(LEASE_IDS_NAME + ": lease id #" + position
                        + " begins or ends with white space, which the renewer would strip");
            }
            ids.add(id);
        }
        return String.join(",", ids);
    }

    private static boolean isWellFormed(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c)
                    && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static byte[] encode(Path file, String content) {
        ByteBuffer encoded;
        try {
            // a fresh encoder reports malformed input instead of writing '?' in its place
            encoded = StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(content));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(
                    "the content for " + file + " is not valid Unicode (a lone UTF-16 surrogate)");
        }
        if (encoded.remaining() > VariablesFile.MAX_BYTES) {
            throw new IllegalArgumentException("the content for " + file + " is " + encoded.remaining()
                    + " bytes, more than the " + VariablesFile.MAX_BYTES + " the renewer reads");
        }
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        return bytes;
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "its directory does not exist";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null
                ? e.getClass().getSimpleName()
                : e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
