package io.kubevaultauthrenewer.config;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The pod's annotations as settings: with RENEWER_ANNOTATIONS_FILE set (a downward API volume's file of
 * {@code metadata.annotations}), each annotation {@code kube-vault-auth-renewer.io/<NAME>} gives the setting NAME
 * (VAULT_ADDR, SECRET_DB_PASSWORD) where the environment leaves it unset or blank. Read once, before anything reads
 * the environment, into a copy of it; nothing here logs, as the log format is chosen from the result.
 *
 * <p>The file is the kubelet's: kubernetes/kubernetes pkg/fieldpath/fieldpath.go, {@code FormatMap}, writes one
 * {@code key="value"} line per annotation, keys sorted, the value quoted by Go's {@code %q} ({@code strconv.Quote}),
 * no newline after the last line. Only the values under the prefix are decoded.
 */
public final class PodAnnotations {

    /** The prefix of the annotations read as settings. */
    public static final String PREFIX = "kube-vault-auth-renewer.io/";

    /** The kustomize component's marker (on the workload; harmless on the pod): not a setting. */
    public static final String INJECT_MARKER = "inject";

    /**
     * Names refused: an annotation is readable by anyone who may get the pod, so it must not carry a token; and the
     * file cannot name itself.
     */
    private static final Map<Setting, String> REFUSED = Map.of(
            Setting.VAULT_TOKEN, "a token does not belong in an annotation: anyone who may get the pod reads it",
            Setting.KUBE_SA_TOKEN, "a token does not belong in an annotation: anyone who may get the pod reads it",
            Setting.RENEWER_ANNOTATIONS_FILE, "the file cannot name the file it is read from");

    private static final Set<String> SETTINGS =
            Arrays.stream(Setting.values()).map(Setting::envName).collect(Collectors.toUnmodifiableSet());

    private static final String SECRET_PREFIX = "SECRET_";

    /**
     * What the annotations gave.
     *
     * @param file the annotations file, or null when RENEWER_ANNOTATIONS_FILE is unset
     * @param environment the environment with the annotations' settings added (the given map when there is no file)
     * @param taken the settings an annotation gave, in name order
     * @param overridden the annotations' settings the environment sets itself, in name order
     */
    public record Merged(Path file, Map<String, String> environment, List<String> taken, List<String> overridden) {}

    private PodAnnotations() {}

    /**
     * The environment with the settings of the annotations file that RENEWER_ANNOTATIONS_FILE names (read from the
     * environment or the properties, as every setting); the environment as it is when that is unset.
     *
     * @throws InvalidSettingsException naming the file, the line and the annotation of every problem
     */
    public static Merged merge(Map<String, String> environment) {
        SettingsReader reader = SettingsReader.beforeCamel(environment);
        Path file = reader.path(Setting.RENEWER_ANNOTATIONS_FILE);
        reader.check();
        if (file == null) {
            return new Merged(null, environment, List.of(), List.of());
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidSettingsException(List.of("RENEWER_ANNOTATIONS_FILE=" + file + " cannot be read ("
                    + e.getClass().getSimpleName() + "): mount the downward API volume of metadata.annotations"));
        }
        return merge(file, environment, settings(text, file));
    }

    /** The environment, with the annotations' settings where it has none. */
    static Merged merge(Path file, Map<String, String> environment, Map<String, String> settings) {
        Map<String, String> merged = new HashMap<>(environment);
        List<String> taken = new ArrayList<>();
        List<String> overridden = new ArrayList<>();
        settings.forEach((name, value) -> {
            String given = environment.get(name);
            if (given == null || given.isBlank()) {
                merged.put(name, value);
                taken.add(name);
            } else {
                overridden.add(name);
            }
        });
        return new Merged(file, Collections.unmodifiableMap(merged), taken, overridden);
    }

    /**
     * The settings of a file's annotations under {@link #PREFIX}, by name.
     *
     * @throws InvalidSettingsException naming the file and the line of every problem
     */
    static Map<String, String> settings(String text, Path file) {
        Map<String, String> settings = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty()) {
                continue;
            }
            String where = "RENEWER_ANNOTATIONS_FILE " + file + " line " + (i + 1);
            int equals = line.indexOf('=');
            if (equals <= 0 || equals + 1 >= line.length() || line.charAt(equals + 1) != '"') {
                problems.add(where + " is not an annotation (key=\"value\")");
                continue;
            }
            String key = line.substring(0, equals);
            if (!key.startsWith(PREFIX)) {
                continue;
            }
            String name = key.substring(PREFIX.length());
            String refusal = refusal(name);
            if (refusal != null) {
                problems.add(where + ": annotation " + key + " " + refusal);
                continue;
            }
            if (name.equals(INJECT_MARKER)) {
                continue;
            }
            try {
                settings.put(name, GoQuoted.unquote(line.substring(equals + 1)));
            } catch (IllegalArgumentException e) {
                problems.add(where + ": annotation " + key + " has a value that is not a Go quoted string: "
                        + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidSettingsException(problems);
        }
        return settings;
    }

    /** Why an annotation's name is not taken, or null when it is a setting or the marker. */
    private static String refusal(String name) {
        for (Map.Entry<Setting, String> refused : REFUSED.entrySet()) {
            if (refused.getKey().envName().equals(name)) {
                return "is refused: " + refused.getValue();
            }
        }
        if (SETTINGS.contains(name) || name.startsWith(SECRET_PREFIX) || name.equals(INJECT_MARKER)) {
            return null;
        }
        return "names no setting (a setting's variable, such as VAULT_ADDR, SECRET_<NAME>, or " + INJECT_MARKER + ")";
    }

    /** Go's double-quoted string literals, as {@code strconv.Quote} writes them and {@code strconv.Unquote} reads. */
    static final class GoQuoted {

        private GoQuoted() {}

        /**
         * The string a Go double-quoted literal holds: the escapes {@code \a \b \f \n \r \t \v \\ \"}, {@code \xNN} and
         * octal {@code \NNN} (a byte each), <code>&#92;uNNNN</code> and <code>&#92;UNNNNNNNN</code> (a code point; no surrogate).
         *
         * @throws IllegalArgumentException saying what is wrong and at which character (1 is the opening quote)
         */
        static String unquote(String quoted) {
            if (quoted.length() < 2 || quoted.charAt(0) != '"' || quoted.charAt(quoted.length() - 1) != '"') {
                throw new IllegalArgumentException("it does not start and end with a double quote");
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            int end = quoted.length() - 1;
            int i = 1;
            while (i < end) {
                int c = quoted.codePointAt(i);
                if (c == '"') {
                    throw new IllegalArgumentException("a double quote without a backslash at character " + (i + 1));
                }
                if (c != '\\') {
                    bytes.writeBytes(new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8));
                    i += Character.charCount(c);
                    continue;
                }
                if (i + 1 >= end) {
                    throw new IllegalArgumentException("a backslash at the end, before the closing quote");
                }
                char e = quoted.charAt(i + 1);
                int at = i + 1;
                i += 2;
                switch (e) {
                    case 'a' -> bytes.write(0x07);
                    case 'b' -> bytes.write('\b');
                    case 'f' -> bytes.write('\f');
                    case 'n' -> bytes.write('\n');
                    case 'r' -> bytes.write('\r');
                    case 't' -> bytes.write('\t');
                    case 'v' -> bytes.write(0x0b);
                    case '\\', '"' -> bytes.write(e);
                    case 'x' -> {
                        bytes.write((int) hex(quoted, i, 2, end, at));
                        i += 2;
                    }
                    case 'u', 'U' -> {
                        int digits = e == 'u' ? 4 : 8;
                        long codePoint = hex(quoted, i, digits, end, at);
                        if (codePoint > Character.MAX_CODE_POINT
                                || (codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE)) {
                            throw new IllegalArgumentException("\\" + e + " at character " + at
                                    + " is not a Unicode code point (a surrogate or above U+10FFFF)");
                        }
                        bytes.writeBytes(
                                new String(Character.toChars((int) codePoint)).getBytes(StandardCharsets.UTF_8));
                        i += digits;
                    }
                    case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                        bytes.write(octal(quoted, i - 1, end, at));
                        i += 2;
                    }
                    default -> throw new IllegalArgumentException("unknown escape \\" + e + " at character " + at);
                }
            }
            return bytes.toString(StandardCharsets.UTF_8);
        }

        /** {@code digits} hexadecimal digits from {@code from}. */
        private static long hex(String s, int from, int digits, int end, int at) {
            if (from + digits > end) {
                throw new IllegalArgumentException(
                        "the escape at character " + at + " needs " + digits + " hex digits");
            }
            long value = 0;
            for (int k = from; k < from + digits; k++) {
                int digit = Character.digit(s.charAt(k), 16);
                if (digit < 0) {
                    throw new IllegalArgumentException(
                            "the escape at character " + at + " needs " + digits + " hex digits");
                }
                value = value * 16 + digit;
            }
            return value;
        }

        /** Three octal digits from {@code from}: a byte (at most \377). */
        private static int octal(String s, int from, int end, int at) {
            int value = 0;
            for (int k = from; k < from + 3; k++) {
                int digit = k < end ? Character.digit(s.charAt(k), 8) : -1;
                if (digit < 0) {
                    throw new IllegalArgumentException("the octal escape at character " + at + " needs 3 digits");
                }
                value = value * 8 + digit;
            }
            if (value > 0xff) {
                throw new IllegalArgumentException("the octal escape at character " + at + " is above \\377");
            }
            return value;
        }
    }
}
