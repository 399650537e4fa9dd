package io.kubevaultauthrenewer.config;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the variables file the init container writes and the app container sources: {@code export NAME=value} or
 * {@code NAME=value} lines, values bare, "double-quoted" (multi-line, with shell escapes) or 'single-quoted', blank
 * lines and {@code #} comments. It follows the shell's word rules, so that it reads the file as {@code source} would.
 *
 * <p>Only the names asked for are kept; every other value (the app's secrets) is dropped while parsing and never
 * stored, logged or put in an error message. Errors name the file and the line, never a value.
 */
public final class VariablesFile {

    /**
     * Larger files are refused: an init container writes a few kilobytes, and the file is read every cycle by a JVM
     * with a small heap (1 MiB; 28 MiB exhausted the image's heap).
     */
    public static final long MAX_BYTES = 1024L * 1024;

    private final String text;
    private final String origin;
    private final Set<String> wanted;
    private int pos;
    private int line = 1;

    private VariablesFile(String text, String origin, Set<String> wanted) {
        this.text = text;
        this.origin = origin;
        this.wanted = wanted;
    }

    /**
     * Reads the file. An absent file gives an empty result: the environment may hold everything. A symbolic link is
     * followed (Kubernetes' projected volumes link each file into a timestamped directory), but what it leads to must
     * be a regular file: a FIFO, a device or a directory is refused before it is opened, so that no read hangs.
     *
     * @throws VariablesFileException when it exists but is not a regular file, cannot be read, is larger than
     *     {@link #MAX_BYTES}, or is not well formed
     */
    public static Optional<Map<String, String>> read(Path path, Set<String> wanted) throws VariablesFileException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (AccessDeniedException e) {
            throw new VariablesFileException(path + " cannot be read: permission denied");
        } catch (IOException e) {
            throw new VariablesFileException(
                    path + " cannot be read: " + e.getClass().getSimpleName());
        }
        if (attributes.isDirectory()) {
            throw new VariablesFileException(path + " is a directory, not a variables file");
        }
        if (!attributes.isRegularFile()) {
            throw new VariablesFileException(path + " is not a regular file (a FIFO, a socket or a device?): refused"
                    + " unopened, a read of it could wait for ever");
        }
        if (attributes.size() > MAX_BYTES) {
            throw tooLarge(path, attributes.size() + " bytes");
        }
        try {
            // lenient decoding: a stray byte in an app's secret must not make the token unreadable
            String text = new String(readAtMost(path), StandardCharsets.UTF_8);
            return Optional.of(parse(text, path.toString(), wanted));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (AccessDeniedException e) {
            throw new VariablesFileException(path + " cannot be read: permission denied");
        } catch (IOException e) {
            throw new VariablesFileException(
                    path + " cannot be read: " + e.getClass().getSimpleName());
        }
    }

    private static VariablesFileException tooLarge(Path path, String size) {
        return new VariablesFileException(path + " is " + size + ", more than the " + MAX_BYTES
                + " bytes (1 MiB) a variables file may have: not read");
    }

    /**
     * The file's bytes, never more than {@link #MAX_BYTES} + 1 whatever its size said before (it may grow in between),
     * read a chunk at a time: a single read of the whole file takes a direct buffer as large as the file, and fails
     * beyond the JVM's -XX:MaxDirectMemorySize (8 MB in the image).
     */
    static byte[] readAtMost(Path path) throws IOException, VariablesFileException {
        try (InputStream in = Files.newInputStream(path)) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(8 * 1024);
            byte[] chunk = new byte[64 * 1024];
            long left = MAX_BYTES + 1;
            for (int n; left > 0 && (n = in.read(chunk, 0, (int) Math.min(chunk.length, left))) != -1; ) {
                bytes.write(chunk, 0, n);
                left -= n;
            }
            if (bytes.size() > MAX_BYTES) {
                throw tooLarge(path, "more than " + MAX_BYTES + " bytes now");
            }
            return bytes.toByteArray();
        }
    }

    /** Parses file content; {@code origin} names it in error messages. */
    public static Map<String, String> parse(String text, String origin, Set<String> wanted)
            throws VariablesFileException {
        return new VariablesFile(text, origin, wanted).parseAll();
    }

    private Map<String, String> parseAll() throws VariablesFileException {
        Map<String, String> values = new HashMap<>();
        while (pos < text.length()) {
            List<Word> words = readCommand();
            int first = !words.isEmpty() && words.get(0).isBare("export") ? 1 : 0;
            for (int i = first; i < words.size() && words.get(i).name() != null; i++) {
                Word word = words.get(i);
                if (wanted.contains(word.name())) {
                    values.put(word.name(), word.value());
                }
            }
        }
        return values;
    }

    /** Reads the words up to the end of a command: a new line, a {@code ;}, or a comment. */
    private List<Word> readCommand() throws VariablesFileException {
        List<Word> words = new ArrayList<>();
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '\n' || c == ';') {
                advance();
                break;
            } else if (c == ' ' || c == '\t' || c == '\r') {
                advance();
            } else if (c == '#') {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (c == '\\' && pos + 1 < text.length() && text.charAt(pos + 1) == '\n') {
                advance();
                advance();
            } else {
                words.add(readWord());
            }
        }
        return words;
    }

    private Word readWord() throws VariablesFileException {
        StringBuilder value = new StringBuilder();
        String name = null;
        boolean quoted = false;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';') {
                break;
            }
            if (c == '=' && name == null && !quoted && isName(value)) {
                name = value.toString();
                value.setLength(0);
                advance();
            } else if (c == '\'') {
                quoted = true;
                readSingleQuoted(value);
            } else if (c == '"') {
                quoted = true;
                readDoubleQuoted(value);
            } else if (c == '\\') {
                advance();
                if (pos < text.length()) {
                    char next = text.charAt(pos);
                    if (next != '\n') {
                        value.append(next);
                    }
                    advance();
                }
            } else {
                value.append(c);
                advance();
            }
        }
        return new Word(name, value.toString(), quoted);
    }

    private void readSingleQuoted(StringBuilder value) throws VariablesFileException {
        int openedOn = line;
        advance();
        while (pos < text.length() && text.charAt(pos) != '\'') {
            value.append(text.charAt(pos));
            advance();
        }
        if (pos >= text.length()) {
            throw unterminated("single", openedOn);
        }
        advance();
    }

    private void readDoubleQuoted(StringBuilder value) throws VariablesFileException {
        int openedOn = line;
        advance();
        while (pos < text.length() && text.charAt(pos) != '"') {
            char c = text.charAt(pos);
            if (c == '\\' && pos + 1 < text.length()) {
                char next = text.charAt(pos + 1);
                if (next == '\n') {
                    advance();
                    advance();
                    continue;
                }
                if (next == '"' || next == '\\' || next == '$' || next == '`') {
                    value.append(next);
                    advance();
                    advance();
                    continue;
                }
            }
            value.append(c);
            advance();
        }
        if (pos >= text.length()) {
            throw unterminated("double", openedOn);
        }
        advance();
    }

    private VariablesFileException unterminated(String kind, int openedOn) {
        return new VariablesFileException(origin + " line " + openedOn + ": the " + kind
                + " quote opened there is never closed (is the file still being written?)");
    }

    private void advance() {
        if (text.charAt(pos) == '\n') {
            line++;
        }
        pos++;
    }

    private static boolean isName(CharSequence s) {
        if (s.length() == 0 || !(Character.isLetter(s.charAt(0)) || s.charAt(0) == '_')) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c < 128 && (Character.isLetterOrDigit(c) || c == '_'))) {
                return false;
            }
        }
        return true;
    }

    private record Word(String name, String value, boolean quoted) {
        boolean isBare(String keyword) {
            return name == null && !quoted && value.equals(keyword);
        }

        @Override
        public String toString() {
            return "Word[name=" + name + "]"; // never the value: it may be an app's secret
        }
    }
}
