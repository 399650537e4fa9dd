package io.kubevaultauthrenewer.logging;

/**
 * The one rule that keeps a text on one line of the text log: control characters (a line break, a carriage return, a
 * terminal escape, the Unicode line and paragraph separators) are written as {@code \n}, {@code \r}, {@code \t} or
 * {@code \u001b}, so that no value (a lease id, an answer from Vault, an exception's message) can print a line of its
 * own.
 */
public final class OneLine {

    private OneLine() {}

    /** The text with its control characters escaped; "" for null. */
    public static String escape(CharSequence text) {
        if (text == null) {
            return "";
        }
        StringBuilder safe = new StringBuilder(text.length());
        appendEscaped(text, safe);
        return safe.toString();
    }

    /** Appends the text with its control characters escaped. */
    public static void appendEscaped(CharSequence text, StringBuilder to) {
        text.codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> to.append("\\n");
                case '\r' -> to.append("\\r");
                case '\t' -> to.append("\\t");
                default -> {
                    if (isControl(c)) {
                        to.append(String.format("\\u%04x", c));
                    } else {
                        to.appendCodePoint(c);
                    }
                }
            }
        });
    }

    /** Whether the code point would be escaped: a line break, a terminal escape, any C0/C1 control or separator. */
    public static boolean isControl(int c) {
        return Character.isISOControl(c) || c == 0x2028 || c == 0x2029;
    }

    /** The position (from 0) of the first control character, or -1. */
    public static int firstControl(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            if (isControl(text.charAt(i))) {
                return i;
            }
        }
        return -1;
    }
}
